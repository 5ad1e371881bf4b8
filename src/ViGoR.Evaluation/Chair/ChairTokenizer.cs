using System.Text;

namespace ViGoR.Evaluation;

/// <summary>
/// Word tokenisation close to NLTK's <c>word_tokenize</c> (Punkt sentence splitting, then the
/// Treebank word rules), which CHAIR applies to lower-cased captions.
/// </summary>
/// <remarks>
/// <para>What it reproduces: words split on white space; sentence-final periods split off (Punkt
/// breaks after any word ending in '.', so every such period is split unless the word has another
/// period inside, as in "e.g." or "u.s."); commas and colons split off unless a digit follows
/// ("1,000" stays); ? ! ; @ # $ % &amp; brackets, "--" and "..." split off; double quotes split off
/// and written `` (opening) or '' (closing); "cannot", "gonna", "gotta", "wanna", "gimme", "lemme" split in two;
/// clitics split: 's 'm 'd 'll 're 've n't and a possessive apostrophe ("dogs'" → "dogs" "'").
/// Hyphens and slashes stay inside words ("hot-dog", "cat/dog"), as in NLTK.</para>
/// <para>A number's final period stays attached unless it ends the text ("number 60. the" keeps
/// "60."), as Punkt decides for lower-cased text.</para>
/// <para>Where it can differ from NLTK: Punkt's learned abbreviation list (for example "mr.",
/// "st.") keeps their period, this tokenizer splits it; "'tis"/"'twas" are not split. Checked
/// against NLTK 3.8 (Treebank words after an untrained Punkt) on the 10,000 real LVLM captions of
/// the POPE release: 6 captions tokenise differently ("u.s.", "d.c.", a quote inside a word, two
/// numbers before a new paragraph), none of them around a COCO object word.</para>
/// </remarks>
public static class ChairTokenizer
{
    private static readonly string[] Clitics = ["n't", "'ll", "'re", "'ve", "'s", "'m", "'d"];

    // NLTK's CONTRACTIONS2 (whole words split in two).
    private static readonly Dictionary<string, string[]> Contractions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["cannot"] = ["can", "not"],
        ["d'ye"] = ["d", "'ye"],
        ["gimme"] = ["gim", "me"],
        ["gonna"] = ["gon", "na"],
        ["gotta"] = ["got", "ta"],
        ["lemme"] = ["lem", "me"],
        ["more'n"] = ["more", "'n"],
        ["wanna"] = ["wan", "na"],
    };

    /// <summary>The tokens of <paramref name="text"/>, in order (the text is not lower-cased here).</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var chunks = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < chunks.Length; i++)
        {
            SplitChunk(chunks[i], i == chunks.Length - 1, tokens);
        }

        return tokens;
    }

    private static void SplitChunk(string chunk, bool lastChunk, List<string> tokens)
    {
        // Separate punctuation that is always its own token, then handle each piece's edges.
        var pieces = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < chunk.Length; i++)
        {
            var c = chunk[i];
            var separate = c is '?' or '!' or ';' or '@' or '#' or '$' or '%' or '&' or '(' or ')' or '[' or ']' or '{' or '}' or '<' or '>' or '"'
                || (c is ',' or ':' && !(i + 1 < chunk.Length && char.IsAsciiDigit(chunk[i + 1])));
            var dashes = c == '-' && i + 1 < chunk.Length && chunk[i + 1] == '-';
            var dots = c == '.' && i + 2 < chunk.Length && chunk[i + 1] == '.' && chunk[i + 2] == '.';
            if (separate || dashes || dots)
            {
                Flush(current, pieces);
                var length = dashes ? 2 : dots ? CountRun(chunk, i, '.') : 1;
                // Treebank writes an opening double quote as `` and a closing one as ''.
                var opening = i == 0 || chunk[i - 1] is '(' or '[' or '{' or '<';
                pieces.Add(c == '"' ? (opening ? "``" : "''") : chunk.Substring(i, length));
                i += length - 1;
                continue;
            }

            current.Append(c);
        }

        Flush(current, pieces);
        for (var p = 0; p < pieces.Count; p++)
        {
            var piece = pieces[p];
            if (piece.Length > 1 && IsWordPiece(piece))
            {
                SplitWord(piece, lastChunk && p == pieces.Count - 1, tokens);
            }
            else
            {
                tokens.Add(piece);
            }
        }
    }

    private static bool IsWordPiece(string piece) => piece != "--" && !piece.All(ch => ch == '.');

    private static void SplitWord(string word, bool lastInText, List<string> tokens)
    {
        // Punkt does not end a sentence after a number followed by a lower-case word ("number 60. the
        // clock"), and the lower-cased captions CHAIR reads always continue in lower case.
        string? period = null;
        var isNumber = word.Length > 1 && char.IsAsciiDigit(word[0]) && word[..^1].All(ch => char.IsAsciiDigit(ch) || ch is '.' or ':' or ',');
        var singlePeriod = word.IndexOf('.', StringComparison.Ordinal) == word.Length - 1;
        if (word.Length > 1 && word[^1] == '.' && (isNumber ? lastInText : singlePeriod))
        {
            word = word[..^1];
            period = ".";
        }

        if (Contractions.TryGetValue(word, out var parts))
        {
            tokens.AddRange(parts);
            if (period is not null)
            {
                tokens.Add(period);
            }

            return;
        }

        string? clitic = null;
        foreach (var c in Clitics)
        {
            if (word.Length > c.Length && word.EndsWith(c, StringComparison.OrdinalIgnoreCase) && word[^(c.Length + 1)] != '\'')
            {
                clitic = word[^c.Length..];
                word = word[..^c.Length];
                break;
            }
        }

        if (clitic is null && word.Length > 1 && word[^1] == '\'' && word[^2] != '\'')
        {
            clitic = "'";
            word = word[..^1];
        }

        tokens.Add(word);
        if (clitic is not null)
        {
            tokens.Add(clitic);
        }

        if (period is not null)
        {
            tokens.Add(period);
        }
    }

    private static int CountRun(string s, int start, char c)
    {
        var end = start;
        while (end < s.Length && s[end] == c)
        {
            end++;
        }

        return end - start;
    }

    private static void Flush(StringBuilder current, List<string> pieces)
    {
        if (current.Length > 0)
        {
            pieces.Add(current.ToString());
            current.Clear();
        }
    }
}
