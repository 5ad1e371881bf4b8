using System.Text.RegularExpressions;

namespace ViGoR.Evaluation;

/// <summary>
/// English noun singularisation as CHAIR performs it: a re-implementation of <c>singularize</c> from
/// the Pattern library (<c>pattern.en.inflect</c>, CLiPS, BSD licence; its rules adapted from Bermi
/// Ferrer's Inflector, MIT), which CHAIR (Rohrbach et al., 2018, <c>utils/chair.py</c>) applies to
/// every token.
/// </summary>
/// <remarks>
/// <para>Reproduced with its quirks, because CHAIR's published numbers depend on them:
/// "glass" becomes "glas" (hence CHAIR's "wine glas" rule), "bus" becomes "bu" (so a singular "bus"
/// never counts as COCO's bus while "buses" does), "ties" becomes "ty", and words such as "cookies"
/// or "doggies" stay plural.</para>
/// <para>Where NLTK's WordNet lemmatizer (which CHAIR imports but does not use) would differ: it
/// knows irregular plurals from WordNet's exception lists and leaves unknown words alone, so it maps
/// "bus" to "bus", "glasses" to "glass", "ties" to "tie" and "cookies" to "cookie". Pass your own
/// function as <see cref="ChairOptions.Singularize"/> to use another lemmatizer.</para>
/// <para>Checked against a Python transcription of Pattern's function on the 8,841 distinct words of
/// the POPE release's 10,000 LVLM captions: identical results.</para>
/// <para>Thread-safe and allocation-light; the regular expressions are compiled once.</para>
/// </remarks>
public static class PatternSingularizer
{
    // Pattern's rules in its order; the first that matches wins. Pattern writes \1, .NET $1.
    private static readonly (Regex Pattern, string Replacement)[] Rules =
    [
        (R("(?i)(.)ae$"), "$1a"),
        (R("(?i)(.)itis$"), "$1itis"),
        (R("(?i)(.)eaux$"), "$1eau"),
        (R("(?i)(quiz)zes$"), "$1"),
        (R("(?i)(matr)ices$"), "$1ix"),
        (R("(?i)(ap|vert|ind)ices$"), "$1ex"),
        (R("(?i)^(ox)en"), "$1"),
        (R("(?i)(alias|status)es$"), "$1"),
        (R("(?i)([octop|vir])i$"), "$1us"),
        (R("(?i)(cris|ax|test)es$"), "$1is"),
        (R("(?i)(shoe)s$"), "$1"),
        (R("(?i)(o)es$"), "$1"),
        (R("(?i)(bus)es$"), "$1"),
        (R("(?i)([m|l])ice$"), "$1ouse"),
        (R("(?i)(x|ch|ss|sh)es$"), "$1"),
        (R("(?i)(m)ovies$"), "$1ovie"),
        (R("(?i)(.)ombies$"), "$1ombie"),
        (R("(?i)(s)eries$"), "$1eries"),
        (R("(?i)([^aeiouy]|qu)ies$"), "$1y"),
        (R("([aeo]l)ves$"), "$1f"),
        (R("([^d]ea)ves$"), "$1f"),
        (R("arves$"), "arf"),
        (R("erves$"), "erve"),
        (R("([nlw]i)ves$"), "$1fe"),
        (R("(?i)([lr])ves$"), "$1f"),
        (R("([aeo])ves$"), "$1ve"),
        (R("(?i)(sive)s$"), "$1"),
        (R("(?i)(tive)s$"), "$1"),
        (R("(?i)(hive)s$"), "$1"),
        (R("(?i)([^f])ves$"), "$1fe"),
        (R("(?i)(^analy)ses$"), "$1sis"),
        (R("(?i)((a)naly|(b)a|(d)iagno|(p)arenthe|(p)rogno|(s)ynop|(t)he)ses$"), "$1$2sis"),
        (R("(?i)(.)opses$"), "$1opsis"),
        (R("(?i)(.)yses$"), "$1ysis"),
        (R("(?i)(h|d|r|o|n|b|cl|p)oses$"), "$1ose"),
        (R("(?i)(fruct|gluc|galact|lact|ket|malt|rib|sacchar|cellul)ose$"), "$1ose"),
        (R("(?i)(.)oses$"), "$1osis"),
        (R("(?i)([ti])a$"), "$1um"),
        (R("(?i)(n)ews$"), "$1ews"),
        (R("(?i)s$"), string.Empty),
    ];

    private static readonly string[] Uninflected =
    [
        "bison", "bream", "breeches", "britches", "carp", "chassis", "christmas", "clippers", "cod", "contretemps",
        "corps", "debris", "diabetes", "djinn", "eland", "elk", "flounder", "gallows", "georgia", "graffiti",
        "headquarters", "herpes", "high-jinks", "homework", "innings", "jackanapes", "mackerel", "measles", "mews",
        "mumps", "news", "pincers", "pliers", "proceedings", "rabies", "salmon", "scissors", "series", "shears",
        "species", "swine", "swiss", "trout", "tuna", "whiting", "wildebeest",
    ];

    private static readonly string[] Uncountable =
    [
        "advice", "bread", "butter", "cheese", "electricity", "equipment", "fruit", "furniture", "garbage", "gravel",
        "happiness", "information", "ketchup", "knowledge", "love", "luggage", "mathematics", "mayonnaise", "meat",
        "mustard", "news", "progress", "research", "rice", "sand", "software", "understanding", "water",
    ];

    // Pattern lists "^pie" and "^tie" literally (a caret that never matches); kept for fidelity.
    private static readonly string[] IeWords =
    [
        "alergie", "cutie", "hoagie", "newbie", "softie", "veggie", "auntie", "doggie", "hottie", "nightie", "sortie",
        "weenie", "beanie", "eyrie", "indie", "oldie", "stoolie", "yuppie", "birdie", "freebie", "junkie", "^pie",
        "sweetie", "zombie", "bogie", "goonie", "laddie", "pixie", "techie", "bombie", "groupie", "laramie", "quickie",
        "^tie", "collie", "hankie", "lingerie", "reverie", "toughie", "cookie", "hippie", "meanie", "rookie", "valkyrie",
    ];

    private static readonly (string Plural, string Singular)[] Irregular =
    [
        ("atlantes", "atlas"), ("atlases", "atlas"), ("axes", "axe"), ("beeves", "beef"), ("brethren", "brother"),
        ("children", "child"), ("corpora", "corpus"), ("corpuses", "corpus"), ("ephemerides", "ephemeris"),
        ("feet", "foot"), ("ganglia", "ganglion"), ("geese", "goose"), ("genera", "genus"), ("genii", "genie"),
        ("graffiti", "graffito"), ("helves", "helve"), ("kine", "cow"), ("leaves", "leaf"), ("loaves", "loaf"),
        ("men", "man"), ("mongooses", "mongoose"), ("monies", "money"), ("moves", "move"), ("mythoi", "mythos"),
        ("numena", "numen"), ("occipita", "occiput"), ("octopodes", "octopus"), ("opera", "opus"), ("opuses", "opus"),
        ("our", "my"), ("oxen", "ox"), ("penes", "penis"), ("penises", "penis"), ("people", "person"), ("sexes", "sex"),
        ("soliloquies", "soliloquy"), ("teeth", "tooth"), ("testes", "testis"), ("trilbys", "trilby"), ("turves", "turf"),
        ("zoa", "zoon"),
    ];

    private static readonly HashSet<string> PluralPrepositions = new(StringComparer.Ordinal)
    {
        "about", "above", "across", "after", "among", "around", "at", "athwart", "before", "behind", "below", "beneath",
        "beside", "besides", "between", "betwixt", "beyond", "but", "by", "during", "except", "for", "from", "in", "into",
        "near", "of", "off", "on", "onto", "out", "over", "since", "till", "to", "under", "until", "unto", "upon", "with",
    };

    /// <summary>The singular of <paramref name="word"/> by Pattern's rules (see the remarks on the class).</summary>
    public static string Singularize(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Contains('-', StringComparison.Ordinal))
        {
            var parts = word.Split('-');
            if (parts.Length > 1 && PluralPrepositions.Contains(parts[1]))
            {
                return Singularize(parts[0]) + "-" + string.Join('-', parts.Skip(1));
            }
        }

        if (word.EndsWith('\''))
        {
            return Singularize(word[..^1]) + "'s";
        }

        var lower = word.ToLowerInvariant();

        // Pattern tests whether a listed word ends with the input (not the other way round), so short
        // inputs such as "s" or "ice" are returned unchanged too.
        foreach (var x in Uninflected)
        {
            if (x.EndsWith(lower, StringComparison.Ordinal))
            {
                return word;
            }
        }

        foreach (var x in Uncountable)
        {
            if (x.EndsWith(lower, StringComparison.Ordinal))
            {
                return word;
            }
        }

        foreach (var x in IeWords)
        {
            if (lower.EndsWith(x + "s", StringComparison.Ordinal))
            {
                return lower;
            }
        }

        foreach (var (plural, singular) in Irregular)
        {
            if (lower.EndsWith(plural, StringComparison.Ordinal))
            {
                return word[..^plural.Length] + singular;
            }
        }

        foreach (var (pattern, replacement) in Rules)
        {
            if (pattern.IsMatch(word))
            {
                return pattern.Replace(word, replacement);
            }
        }

        return word;
    }

    private static Regex R(string pattern) => new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
}
