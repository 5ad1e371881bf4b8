namespace ViGoR;

/// <summary>The reward-model stream: one judgement per sentence of each sample.</summary>
public sealed class RewardModelScorer
{
    private readonly ISentenceRewardModel _model;

    /// <summary>Creates the scorer.</summary>
    public RewardModelScorer(ISentenceRewardModel model) =>
        _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>Judges every sentence of every sample (samples with no sentences get none).</summary>
    /// <exception cref="InvalidOperationException">The model returned a different number of judgements than sentences.</exception>
    public async Task<IReadOnlyList<IReadOnlyList<SentenceJudgement>>> ScoreAsync(
        ImageInput image,
        string prompt,
        IReadOnlyList<ParsedText> samples,
        CancellationToken cancellationToken = default)
    {
        var result = new List<IReadOnlyList<SentenceJudgement>>(samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if (sample.Sentences.Count == 0)
            {
                result.Add([]);
                continue;
            }

            var judgements = await _model.JudgeAsync(image, prompt, sample, cancellationToken).ConfigureAwait(false);
            if (judgements.Count != sample.Sentences.Count)
            {
                throw new InvalidOperationException(
                    $"The reward model returned {judgements.Count} judgements for sample {i} of image '{image.Id}', which has {sample.Sentences.Count} sentences.");
            }

            result.Add(judgements);
        }

        return result;
    }
}
