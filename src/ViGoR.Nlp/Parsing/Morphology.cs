using System.Collections.Frozen;

namespace ViGoR.Nlp;

/// <summary>WordNet-style morphology (its <c>morphy</c> rules and exception lists) over the embedded lexicon.</summary>
internal static class Morphology
{
    // Morphy's rules, with plain "-s" first so that "vases" is "vase" (not "vas") and "cookies" is "cookie" (not "cooky").
    private static readonly (string Suffix, string Ending)[] NounRules =
    [
        ("s", ""), ("ies", "y"), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("oes", "o"),
    ];

    /// <summary>Finds the singular noun lemma of <paramref name="word"/> (lower case).</summary>
    public static bool TryNoun(WordNetLexicon lexicon, FrozenSet<string> extraNouns, ReadOnlySpan<char> word, out string lemma, out LexicalKind kind, out bool plural)
    {
        kind = LexicalKind.None;
        var curatedPlurals = CuratedWords.Plurals.GetAlternateLookup<ReadOnlySpan<char>>();
        if (curatedPlurals.TryGetValue(word, out lemma!))
        {
            plural = !word.SequenceEqual(lemma);
            if (lexicon.TryGet(lemma, out var e))
            {
                kind = e.Kind;
            }

            return true;
        }

        if (CuratedWords.PluralOnly.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out lemma!))
        {
            plural = true;
            kind = LexicalKind.Thing;
            return true;
        }

        if (lexicon.TryGetNounException(word, out var baseForm) && lexicon.TryGet(baseForm, out var exEntry))
        {
            lemma = exEntry.Form;
            kind = exEntry.Kind;
            plural = true;
            return true;
        }

        var isNoun = lexicon.TryGet(word, out var entry) && (entry.Pos & PartsOfSpeech.Noun) != 0;
        if (word.Length > 3 && word[^1] == 's' && !word.EndsWith("ss") && !word.EndsWith("us") && !word.EndsWith("is"))
        {
            Span<char> buffer = stackalloc char[word.Length + 2];
            foreach (var (suffix, ending) in NounRules)
            {
                if (!word.EndsWith(suffix))
                {
                    continue;
                }

                var stem = word[..^suffix.Length];
                stem.CopyTo(buffer);
                ending.AsSpan().CopyTo(buffer[stem.Length..]);
                var candidate = buffer[..(stem.Length + ending.Length)];
                if (lexicon.TryGet(candidate, out var b) && (b.Pos & PartsOfSpeech.Noun) != 0)
                {
                    lemma = b.Form;
                    kind = b.Kind;
                    plural = true;
                    return true;
                }

                if (extraNouns.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(candidate, out var extra))
                {
                    lemma = extra;
                    plural = true;
                    return true;
                }
            }
        }

        plural = false;
        if (isNoun)
        {
            lemma = entry.Form;
            kind = entry.Kind;
            return true;
        }

        if (extraNouns.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out var known))
        {
            lemma = known;
            return true;
        }

        lemma = string.Empty;
        return false;
    }

    /// <summary>Finds whether <paramref name="word"/> is a verb form and which.</summary>
    public static VerbForm Verb(WordNetLexicon lexicon, ReadOnlySpan<char> word, out PartsOfSpeech dominant)
    {
        dominant = PartsOfSpeech.None;
        if (lexicon.TryGetVerbException(word, out var baseForm))
        {
            if (lexicon.TryGet(baseForm, out var be))
            {
                dominant = be.Dominant;
            }

            return word.EndsWith("ing") ? VerbForm.Gerund : VerbForm.Past;
        }

        if (lexicon.TryGet(word, out var entry) && (entry.Pos & PartsOfSpeech.Verb) != 0)
        {
            dominant = entry.Dominant;
            return VerbForm.Base;
        }

        Span<char> buffer = stackalloc char[word.Length + 1];
        if (word.Length > 4 && word.EndsWith("ing"))
        {
            return TryStem(lexicon, word[..^3], buffer, ref dominant) ? VerbForm.Gerund : VerbForm.None;
        }

        if (word.Length > 3 && word.EndsWith("ed"))
        {
            if (word.EndsWith("ied") && TryCandidate(lexicon, word[..^3], "y", buffer, ref dominant))
            {
                return VerbForm.Past;
            }

            return TryStem(lexicon, word[..^2], buffer, ref dominant) ? VerbForm.Past : VerbForm.None;
        }

        if (word.Length > 2 && word[^1] == 's' && !word.EndsWith("ss"))
        {
            if (word.EndsWith("ies") && TryCandidate(lexicon, word[..^3], "y", buffer, ref dominant))
            {
                return VerbForm.ThirdSingular;
            }

            if (word.EndsWith("es") && TryCandidate(lexicon, word[..^2], string.Empty, buffer, ref dominant))
            {
                return VerbForm.ThirdSingular;
            }

            if (TryCandidate(lexicon, word[..^1], string.Empty, buffer, ref dominant))
            {
                return VerbForm.ThirdSingular;
            }
        }

        return VerbForm.None;
    }

    // "sitt" -> sit, "mak" -> make, "walk" -> walk.
    private static bool TryStem(WordNetLexicon lexicon, ReadOnlySpan<char> stem, Span<char> buffer, ref PartsOfSpeech dominant)
    {
        if (TryCandidate(lexicon, stem, string.Empty, buffer, ref dominant) || TryCandidate(lexicon, stem, "e", buffer, ref dominant))
        {
            return true;
        }

        return stem.Length > 2 && stem[^1] == stem[^2] && TryCandidate(lexicon, stem[..^1], string.Empty, buffer, ref dominant);
    }

    private static bool TryCandidate(WordNetLexicon lexicon, ReadOnlySpan<char> stem, string ending, Span<char> buffer, ref PartsOfSpeech dominant)
    {
        stem.CopyTo(buffer);
        ending.AsSpan().CopyTo(buffer[stem.Length..]);
        if (lexicon.TryGet(buffer[..(stem.Length + ending.Length)], out var e) && (e.Pos & PartsOfSpeech.Verb) != 0)
        {
            dominant = e.Dominant;
            return true;
        }

        return false;
    }
}
