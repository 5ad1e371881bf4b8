namespace ViGoR.Annotation.Web;

/// <summary>One description to label: a line of the output once labelled.</summary>
/// <param name="Id">The output line's id; unique among the work items.</param>
/// <param name="Image">The image's path relative to the images folder.</param>
/// <param name="Prompt">The prompt the description answers.</param>
/// <param name="Description">The text to label, verbatim.</param>
public sealed record AnnotationWorkItem(string Id, string Image, string Prompt, string Description)
{
    /// <summary>
    /// What the pipeline said about each sentence, from a supervision journal; shown only with
    /// <see cref="AnnotationToolOptions.Assist"/> (off by default, to avoid anchoring the annotator).
    /// </summary>
    public IReadOnlyList<SentenceAssist> Assist { get; init; } = [];
}

/// <summary>The automatic signals of one journal sentence.</summary>
/// <param name="Start">The sentence's first character in the description.</param>
/// <param name="End">One past its last character.</param>
/// <param name="Found">Objects the detector found.</param>
/// <param name="Missing">Objects the detector did not find.</param>
/// <param name="RewardScore">The reward model's score of the sentence, when it judged it.</param>
/// <param name="RewardError">The reward model's error kind (file name, e.g. <c>attribute</c>), null when it judged the sentence correct or did not judge it.</param>
public sealed record SentenceAssist(int Start, int End, IReadOnlyList<string> Found, IReadOnlyList<string> Missing, double? RewardScore, string? RewardError);
