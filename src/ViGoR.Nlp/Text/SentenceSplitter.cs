namespace ViGoR.Nlp;

/// <summary>
/// Splits text into sentences with exact character spans. Rules, in order: a blank line always
/// ends a sentence; a line break ends one before a list item (<c>1.</c>, <c>-</c>, <c>*</c>,
/// <c>•</c>) or after a line that ends in terminal punctuation or a colon; <c>.</c>, <c>!</c>,
/// <c>?</c> (with closing quotes or brackets) end one when white space and a plausible sentence
/// start follow, unless the word before the period is a known abbreviation, a single initial or a
/// list number. Text without a final period still forms a sentence.
/// </summary>
/// <remarks>Stateless and thread-safe. Sentences never start or end with white space, so the gaps between them are white space only.</remarks>
public static class SentenceSplitter
{
    // Lower case, without the period. Titles and Latin abbreviations that rarely end a sentence.
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "vs", "etc", "e.g", "i.e", "eg", "ie", "approx", "no", "nos",
        "fig", "figs", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "u.s", "u.k", "a.m", "p.m", "cf", "al", "ca", "dept", "est", "gen", "gov", "lt", "col", "sgt", "capt", "rev", "hon", "vol",
    };

    private static readonly HashSet<string> AbbreviationsEndingSentences = new(StringComparer.OrdinalIgnoreCase) { "etc", "a.m", "p.m" };

    /// <summary>Sentence spans of <paramref name="text"/> as (start inclusive, end exclusive), in order.</summary>
    public static IReadOnlyList<(int Start, int End)> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new List<(int Start, int End)>();
        Split(text.AsSpan(), result);
        return result;
    }

    internal static void Split(ReadOnlySpan<char> text, List<(int Start, int End)> spans)
    {
        var start = SkipWhiteSpace(text, 0);
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                if (IsLineBoundary(text, start, i, out var next))
                {
                    Add(text, spans, start, i);
                    start = SkipWhiteSpace(text, next);
                    i = start;
                    continue;
                }
            }
            else if (c is '.' or '!' or '?' or '…')
            {
                var end = i + 1;
                while (end < text.Length && text[end] is '.' or '!' or '?' or '…')
                {
                    end++;
                }

                while (end < text.Length && text[end] is '"' or '\'' or ')' or ']' or '”' or '’' or '»')
                {
                    end++;
                }

                if (end >= text.Length || (char.IsWhiteSpace(text[end]) && EndsSentence(text, start, i, end)))
                {
                    Add(text, spans, start, end);
                    start = SkipWhiteSpace(text, end);
                    i = start;
                    continue;
                }

                i = end;
                continue;
            }

            i++;
        }

        Add(text, spans, start, text.Length);
    }

    private static bool IsLineBoundary(ReadOnlySpan<char> text, int sentenceStart, int newline, out int next)
    {
        next = newline + 1;
        var j = next;
        while (j < text.Length && text[j] is ' ' or '\t' or '\r')
        {
            j++;
        }

        if (j >= text.Length || text[j] == '\n')
        {
            return true; // blank line or trailing break
        }

        var before = newline - 1;
        while (before >= sentenceStart && char.IsWhiteSpace(text[before]))
        {
            before--;
        }

        if (before < sentenceStart)
        {
            return false;
        }

        return text[before] is '.' or '!' or '?' or ':' or ';' or '…' || IsListMarker(text, j);
    }

    /// <summary>"1." / "2)" / "-" / "*" / "•" followed by a space, at <paramref name="i"/>.</summary>
    internal static bool IsListMarker(ReadOnlySpan<char> text, int i)
    {
        if (i >= text.Length)
        {
            return false;
        }

        if (text[i] is '-' or '*' or '•' or '–' or '·')
        {
            return i + 1 < text.Length && text[i + 1] == ' ';
        }

        var j = i;
        while (j < text.Length && char.IsAsciiDigit(text[j]) && j - i < 3)
        {
            j++;
        }

        return j > i && j + 1 < text.Length && text[j] is '.' or ')' && text[j + 1] == ' ';
    }

    private static bool EndsSentence(ReadOnlySpan<char> text, int sentenceStart, int mark, int after)
    {
        var next = SkipWhiteSpace(text, after);
        if (next >= text.Length)
        {
            return true;
        }

        if (text[mark] != '.')
        {
            return true; // '!' and '?' always end a sentence before white space
        }

        // The word before the period, e.g. "Mr", "e.g", "3", "J".
        var wordStart = mark;
        while (wordStart > sentenceStart && !char.IsWhiteSpace(text[wordStart - 1]) && text[wordStart - 1] is not '(' and not '"')
        {
            wordStart--;
        }

        var word = text[wordStart..mark];
        var nextChar = text[next];
        var nextStartsSentence = char.IsUpper(nextChar) || char.IsDigit(nextChar) || nextChar is '"' or '\'' or '(' or '“' or '‘' || IsListMarker(text, next);

        if (word.Length > 0 && wordStart == sentenceStart && IsAllDigits(word) && word.Length <= 2)
        {
            return false; // "1. A dog..." — a list number, not a sentence
        }

        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return false; // an initial: "J. K. Rowling"
        }

        var lookup = word.TrimStart('(');
        if (Abbreviations.GetAlternateLookup<ReadOnlySpan<char>>().Contains(lookup))
        {
            return nextStartsSentence && AbbreviationsEndingSentences.GetAlternateLookup<ReadOnlySpan<char>>().Contains(lookup);
        }

        return nextStartsSentence || text[next] == '\n' || char.IsLower(nextChar) && HasNewlineBetween(text, mark, next);
    }

    private static bool HasNewlineBetween(ReadOnlySpan<char> text, int from, int to) => text[from..to].Contains('\n');

    private static bool IsAllDigits(ReadOnlySpan<char> word)
    {
        foreach (var c in word)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int SkipWhiteSpace(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static void Add(ReadOnlySpan<char> text, List<(int Start, int End)> spans, int start, int end)
    {
        while (end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        if (end <= start)
        {
            return;
        }

        // A list marker alone on its line ("1.") joins the sentence that follows.
        if (spans.Count > 0 && IsBareMarker(text[spans[^1].Start..spans[^1].End]))
        {
            start = spans[^1].Start;
            spans.RemoveAt(spans.Count - 1);
        }

        spans.Add((start, end));
    }

    private static bool IsBareMarker(ReadOnlySpan<char> sentence) =>
        sentence.Length <= 4 && (sentence is "-" or "*" or "•" || (sentence[^1] is '.' or ')' && IsAllDigits(sentence[..^1])));
}
