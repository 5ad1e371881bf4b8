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
/// ("1,000" stays); ? ! ; @ # $ % &amp; brackets, "--" and "..." split off; double quotes split off;
/// clitics split: 's 'm 'd 'll 're 've n't and a possessive apostrophe ("dogs'" → "dogs" "'").
/// Hyphens and slashes stay inside words ("hot-dog", "cat/dog"), as in NLTK.</para>
/// <para>Where it can differ from NLTK: Punkt's learned abbreviation list (for example "mr.",
/// "st.") keeps their period, this tokenizer splits it; NLTK's rare contraction splits ("cannot" →
/// "can" "not", "gonna", "'tis") are not done. None of these touch a COCO object word.</para>
/// </remarks>
public static class ChairTokenizer
{
    private static readonly string[] Clitics = ["n't", "'ll", "'re", "'ve", "'s", "'m", "'d"];

    /// <summary>The tokens of <paramref name="text"/>, in order (the text is not lower-cased here).</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        foreach (var chunk in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            SplitChunk(chunk, tokens);
        }

        return tokens;
    }

    private static void SplitChunk(string chunk, List<string> tokens)
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
                pieces.Add(c == '"' ? "\"" : chunk.Substring(i, length));
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
                SplitWord(piece, tokens);
            }
            else
            {
                tokens.Add(piece);
            }
        }
    }

    private static bool IsWordPiece(string piece) => piece != "--" && !piece.All(ch => ch == '.');

    private static void SplitWord(string word, List<string> tokens)
    {
        string? period = null;
        if (word.Length > 1 && word[^1] == '.' && word.IndexOf('.', StringComparison.Ordinal) == word.Length - 1)
        {
            word = word[..^1];
            period = ".";
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
