namespace ViGoR;

/// <summary>
/// Remembers a reward model's judgements, so that online rounds and re-runs in one process do not
/// judge an unchanged description again. A description is the same when its image
/// (<see cref="ImageInput.Id"/>), prompt, text and sentence split are: callers must give different
/// images different ids. Batches ask the inner model only for what is not cached, in one call.
/// </summary>
/// <remarks>
/// Safe for concurrent callers when the inner model is (two callers asking for the same new
/// description at once may both judge it; the judgements are equal). Memory grows with the distinct
/// descriptions judged (a few hundred bytes each); create a new instance to forget. The journal
/// identity is the inner model's: a cache does not change judgements.
/// </remarks>
public sealed class CachingSentenceRewardModel : DelegatingSentenceRewardModel
{
    private readonly AnswerCache<IReadOnlyList<SentenceJudgement>> _sentences = new();
    private readonly AnswerCache<SentenceJudgement> _descriptions = new();

    /// <summary>Caches the judgements of <paramref name="innerModel"/>.</summary>
    public CachingSentenceRewardModel(ISentenceRewardModel innerModel)
        : base(innerModel)
    {
    }

    /// <summary>How many descriptions were answered from the cache (fine-grained and holistic).</summary>
    public long Hits => _sentences.Hits + _descriptions.Hits;

    /// <inheritdoc />
    public override Task<IReadOnlyList<SentenceJudgement>> JudgeAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
        _sentences.GetAsync(Key(image, prompt, description), () => base.JudgeAsync(image, prompt, description, cancellationToken));

    /// <inheritdoc />
    public override Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> JudgeBatchAsync(IReadOnlyList<SentenceRewardRequest> requests, CancellationToken cancellationToken = default) =>
        _sentences.GetBatchAsync(requests, r => Key(r.Image, r.Prompt, r.Description), missing => base.JudgeBatchAsync(missing, cancellationToken));

    /// <inheritdoc />
    public override Task<SentenceJudgement> JudgeDescriptionAsync(ImageInput image, string prompt, ParsedText description, CancellationToken cancellationToken = default) =>
        _descriptions.GetAsync(Key(image, prompt, description), () => base.JudgeDescriptionAsync(image, prompt, description, cancellationToken));

    private static string Key(ImageInput image, string prompt, ParsedText description)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(description);

        // The split is part of the key: each sentence is judged with the text before it.
        var split = string.Join(',', description.Sentences.Select(s => FormattableString.Invariant($"{s.Start}-{s.End}")));
        return $"{image.Id}\u001f{prompt}\u001f{split}\u001f{description.Text}";
    }
}
