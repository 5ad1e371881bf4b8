namespace ViGoR.Evaluation;

/// <summary>How <see cref="PopeEvaluator"/> pairs answers with labels.</summary>
public sealed class PopeOptions
{
    /// <summary>The answer-format suffix LLaVA-1.5 appends to every POPE question (LLaVA, <c>llava_pope_test.jsonl</c>).</summary>
    public const string LlavaAnswerFormatSuffix = "\nAnswer the question using a single word or phrase.";

    /// <summary>
    /// Suffixes removed from a question before it is compared with a label's text (then white space
    /// is trimmed). Default: LLaVA-1.5's <see cref="LlavaAnswerFormatSuffix"/>.
    /// </summary>
    public IList<string> AnswerFormatSuffixes { get; init; } = [LlavaAnswerFormatSuffix];

    /// <summary>
    /// When an answer pairs neither by id nor by (image, question text), pair it by (image, object)
    /// where the object is read from POPE's fixed template "Is there a/an &lt;object&gt; in the image?".
    /// Default true: LLaVA's question file spells 44-144 questions per split "in the imange?", which
    /// today's POPE labels spell "image"; they ask about the same object in the same image. The
    /// report counts how many pairs each rule made (<see cref="PopeSplitResult.PairedBy"/>).
    /// Set false to pair strictly by text as LLaVA's and POPE's scripts' inputs were meant to agree.
    /// </summary>
    public bool PairByTemplateObject { get; set; } = true;

    /// <summary>A copy.</summary>
    public PopeOptions Clone() => new()
    {
        AnswerFormatSuffixes = [.. AnswerFormatSuffixes],
        PairByTemplateObject = PairByTemplateObject,
    };
}
