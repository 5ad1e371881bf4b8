using System.Text.Json;

namespace ViGoR.Samples.HedgeStream;

/// <summary>The settings of <see cref="HedgeStream"/>.</summary>
public sealed class HedgeOptions
{
    /// <summary>The words that hedge a claim (lower case).</summary>
    public string[] Words { get; set; } = ["maybe", "possibly", "perhaps", "might"];

    /// <summary>True: refinement drops hedged sentences; false: they are only penalised.</summary>
    public bool Drop { get; set; }
}

/// <summary>
/// A third reward stream: penalises each hedging word of a sentence (an "unreasonable conjecture" in the
/// paper's labels, found without a model), with the words journalled as its evidence.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "A reward stream, the paper's term.")]
public sealed class HedgeStream(HedgeOptions options) : IRewardStream
{
    /// <summary>Makes the stream by name with text settings (<c>--stream hedges:drop=true</c>).</summary>
    public static readonly IRewardStreamFactory Factory = new RewardStreamFactory(
        "hedges",
        new Dictionary<string, string> { ["drop"] = "true: refinement drops hedged sentences" },
        (_, settings) => new HedgeStream(new HedgeOptions { Drop = RewardStreamSettings.Flag(settings, "drop", false) }));

    /// <inheritdoc />
    public string Name => "hedges";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["words"] = string.Join(",", options.Words),
        ["drop"] = options.Drop ? "true" : "false",
    };

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StreamScore>>(input.Samples.Select(sample => StreamScore.Sum(sample.Sentences.Select(Judge).ToList())).ToList());

    private SentenceSignal? Judge(ParsedSentence sentence)
    {
        var words = sentence.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('.', ',', '!', '?').ToLowerInvariant());
        var hedges = words.Where(options.Words.Contains).ToList();
        return hedges.Count == 0
            ? null // nothing to say about this sentence
            : new SentenceSignal
            {
                Penalty = hedges.Count,
                Drop = options.Drop ? hedges : null,
                Evidence = new Dictionary<string, JsonElement> { ["hedges"] = JsonSerializer.SerializeToElement(hedges) },
            };
    }
}

/// <summary>What <c>vigor run --plugin</c> calls: registers the stream's factory, so <c>--stream hedges</c> makes it.</summary>
public sealed class HedgePlugin : IViGoRPlugin
{
    /// <inheritdoc />
    public void Configure(ViGoRBuilder builder) => builder.AddRewardStreamFactory(HedgeStream.Factory);
}
