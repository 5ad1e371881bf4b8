namespace ViGoR.Evaluation;

/// <summary>
/// Reads a free-text POPE answer as yes or no, exactly as POPE's <c>evaluate.py</c> and LLaVA's
/// <c>eval_pope.py</c> do: keep the text before the first '.', drop commas, split on single spaces,
/// and read "no" when the words contain <c>No</c>, <c>not</c> or <c>no</c> (case-sensitive, whole
/// words); everything else, the empty answer included, is "yes".
/// </summary>
/// <remarks>
/// Faithful to the reference on purpose, quirks included: "NO", "Nope" and "There isn't" read as
/// yes; "No," reads as no (the comma is dropped first); a newline does not separate words.
/// </remarks>
public static class PopeAnswerNormalizer
{
    /// <summary>True when <paramref name="answer"/> reads as "yes" under POPE's rule.</summary>
    public static bool IsYes(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var dot = answer.IndexOf('.', StringComparison.Ordinal);
        var text = dot >= 0 ? answer[..dot] : answer;
        text = text.Replace(",", string.Empty, StringComparison.Ordinal);
        foreach (var word in text.Split(' '))
        {
            if (word is "No" or "not" or "no")
            {
                return false;
            }
        }

        return true;
    }
}
