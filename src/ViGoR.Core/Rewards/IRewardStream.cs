using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR;

/// <summary>
/// One reward stream: a source of per-sentence negative and positive signals for the k samples of
/// one image (the paper has two: the reward model, Yan et al. Sec. 3.1, and the automatic detector
/// check, Sec. 3.2; a CLIP-score check, a VQA self-check or a judge model are further examples).
/// The combiner normalises and weights each stream by its <see cref="Name"/> (Sec. 3.3).
/// </summary>
/// <remarks>Implementations must be safe for concurrent callers or document otherwise.</remarks>
public interface IRewardStream : IPipelineComponent
{
    /// <summary>
    /// The stream's name: the key of its signals in the journal and of its weight in
    /// <see cref="RewardCombinerOptions.Weights"/>. Lower-case snake_case by convention
    /// (<c>automatic</c>, <c>reward_model</c>); unique among the streams of one trainer.
    /// </summary>
    string Name { get; }

    /// <summary>
    /// What shapes this stream's signals (thresholds, the identity of its model or files...), as
    /// name/value pairs. They are recorded in the journal's header, prefixed by <see cref="Name"/>, so
    /// that a run is never resumed with different settings.
    /// </summary>
    IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>
    /// Scores every sentence of every sample. Returns exactly one <see cref="StreamScore"/> per
    /// sample, in order, each with exactly one entry per sentence (null where the stream has
    /// nothing to say about that sentence).
    /// </summary>
    Task<IReadOnlyList<StreamScore>> ScoreAsync(RewardStreamInput input, CancellationToken cancellationToken = default);
}

/// <summary>
/// A reward stream that scores several images in one go, so that its model runs batched across
/// images (the detector over B images, the reward model over B images' samples). The trainer uses it
/// when <see cref="RejectionSamplingOptions.ImageBatchSize"/> is above 1.
/// </summary>
public interface IBatchRewardStream : IRewardStream
{
    /// <summary>
    /// Scores every input. Result i equals <see cref="IRewardStream.ScoreAsync"/> of
    /// <paramref name="inputs"/>[i] alone, up to floating point, whatever else is in the batch.
    /// </summary>
    /// <returns>One list per input, in order, each as <see cref="IRewardStream.ScoreAsync"/> returns it.</returns>
    /// <exception cref="ImageDecodeException">An image cannot be decoded: the whole call fails, and the trainer then scores image by image so that only that image fails.</exception>
    Task<IReadOnlyList<IReadOnlyList<StreamScore>>> ScoreBatchAsync(IReadOnlyList<RewardStreamInput> inputs, CancellationToken cancellationToken = default);
}

/// <summary>What a reward stream scores: the k (non-empty) samples of one image.</summary>
/// <param name="Image">The image described.</param>
/// <param name="Prompt">The instruction the samples answer.</param>
/// <param name="Samples">The samples, split into sentences with their noun mentions.</param>
public sealed record RewardStreamInput(ImageInput Image, string Prompt, IReadOnlyList<ParsedText> Samples);

/// <summary>
/// One stream's verdict on one sentence. <see cref="Penalty"/> and <see cref="Bonus"/> are in the
/// stream's own units (never negative); the combiner makes them comparable across streams.
/// <see cref="Evidence"/> is what lies behind them, kept in the journal for audit: the built-in
/// streams' is read and written through typed views (<see cref="AutomaticEvidence"/>,
/// <see cref="RewardModelEvidence"/>).
/// </summary>
/// <remarks>
/// Journalled as <c>{"penalty": 1, "bonus": 0, "drop": ["dog"], "evidence": {"missing": ["dog"]}}</c>.
/// Journals written before the evidence moved have it beside the signal
/// (<c>{"penalty": 1, "bonus": 0, "missing": ["dog"]}</c>): reading folds every such property into
/// <see cref="Evidence"/>, so they read, resume and select as before (<see cref="SentenceSignalJsonConverter"/>).
/// </remarks>
[JsonConverter(typeof(SentenceSignalJsonConverter))]
public sealed record SentenceSignal
{
    /// <summary>The negative signal, &gt;= 0 (e.g. missing objects, or the magnitude of a negative reward).</summary>
    public double Penalty { get; init; }

    /// <summary>The positive signal, &gt;= 0 (found objects, a positive reward); breaks ties.</summary>
    public double Bonus { get; init; }

    /// <summary>
    /// Why refinement must drop this sentence (Sec. 3.4), e.g. the objects the detector did not
    /// find; null or empty keeps it.
    /// </summary>
    public IReadOnlyList<string>? Drop { get; init; }

    /// <summary>
    /// The stream's evidence, journalled as is under <c>evidence</c> (the automatic stream's found and
    /// missing objects, the reward model's score and error kind, a VQA self-check's answers, a judge's
    /// rationale): names are the stream's, values any JSON. Null writes nothing.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement>? Evidence { get; init; }
}

/// <summary>One stream's score of one sample: per-sentence signals and the sample's totals.</summary>
/// <param name="Sentences">One entry per sentence; null where the stream has nothing to say.</param>
/// <param name="Penalty">The sample's negative signal (usually the sum over sentences), &gt;= 0.</param>
/// <param name="Bonus">The sample's positive signal, &gt;= 0.</param>
public sealed record StreamScore(IReadOnlyList<SentenceSignal?> Sentences, double Penalty, double Bonus)
{
    /// <summary>False when the stream said nothing about any sentence: it then takes no part in this sample's ranking or in the stream's statistics.</summary>
    public bool Applicable => Sentences.Any(s => s is not null);

    /// <summary>Totals as the sums of the sentences' signals (the paper's fine-grained rule).</summary>
    public static StreamScore Sum(IReadOnlyList<SentenceSignal?> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        double penalty = 0, bonus = 0;
        foreach (var s in sentences)
        {
            penalty += s?.Penalty ?? 0;
            bonus += s?.Bonus ?? 0;
        }

        return new StreamScore(sentences, penalty, bonus);
    }
}
