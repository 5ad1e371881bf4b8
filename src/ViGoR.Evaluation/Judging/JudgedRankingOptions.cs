using Microsoft.Extensions.AI;

namespace ViGoR.Evaluation;

/// <summary>A criterion the judge ranks descriptions on.</summary>
/// <param name="Name">The key in the judge's reply and the report (lower case, e.g. "hallucination").</param>
/// <param name="Description">What the judge is told the criterion means.</param>
public sealed record RankingCriterion(string Name, string Description);

/// <summary>Settings of a <see cref="JudgedRanker"/>.</summary>
public sealed class JudgedRankingOptions
{
    /// <summary>
    /// The seven criteria of the ViGoR paper's Table 1 (hallucination, counting, attributes,
    /// relationships, relevance, reasoning, detail), in that order. The paper names the criteria;
    /// the one-line descriptions the judge reads are this library's wording.
    /// </summary>
    public static IReadOnlyList<RankingCriterion> PaperCriteria { get; } =
    [
        new("hallucination", "fewest mentions of objects, people or text that are not in the image (best = least hallucination)"),
        new("counting", "correct numbers of objects and people"),
        new("attributes", "correct colours, materials, sizes, shapes and other attributes of what is described"),
        new("relationships", "correct spatial and semantic relationships between objects (positions, actions, interactions)"),
        new("relevance", "stays about what the image shows, without off-topic or generic filler"),
        new("reasoning", "sound, well-supported inferences about the scene (purpose, context, what is happening)"),
        new("detail", "the most complete, specific and informative account of the image"),
    ];

    /// <summary>The criteria to rank on. Default: <see cref="PaperCriteria"/>.</summary>
    public IList<RankingCriterion> Criteria { get; init; } = [.. PaperCriteria];

    /// <summary>Seed of the per-image shuffle of candidates (the order and labels the judge sees). Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>How many times to ask the judge when its reply is malformed, in all. Default 3; at least 1.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Options for every judge call. Default: temperature 0 (as LLaVA and LLaVA-RLHF call GPT-4 judges).</summary>
    public ChatOptions ChatOptions { get; set; } = new() { Temperature = 0 };

    /// <summary>
    /// A JSON Lines file where each finished image is appended; when it exists, images already in it
    /// are not judged again (resume). Null keeps results in memory only.
    /// </summary>
    public string? JournalPath { get; set; }

    /// <summary>Send the image to the judge (as <see cref="DataContent"/>) when it has a file or bytes. Default true.</summary>
    public bool SendImages { get; set; } = true;
}
