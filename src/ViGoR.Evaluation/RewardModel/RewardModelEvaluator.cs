namespace ViGoR.Evaluation;

/// <summary>Settings of <see cref="RewardModelEvaluator"/>.</summary>
public sealed class RewardModelEvaluationOptions
{
    /// <summary>The folder the annotations' image paths are relative to; null: they are used as given.</summary>
    public string? ImagesDirectory { get; set; }

    /// <summary>
    /// Measure whole descriptions, not sentences: the model judges each description once
    /// (<see cref="IDescriptionRewardModel"/>), and a description is wrong when any of its sentences is
    /// annotated wrong (the holistic ablation, Yan et al., Sec. 4.6). Default false: per sentence.
    /// </summary>
    public bool Holistic { get; set; }

    /// <summary>Reports (done, total) descriptions as they are judged; null for none.</summary>
    public IProgress<(int Done, int Total)>? Progress { get; set; }
}

/// <summary>
/// Measures any <see cref="ISentenceRewardModel"/> on held-out fine-grained annotations: it judges every
/// held-out sentence (or description, <see cref="RewardModelEvaluationOptions.Holistic"/>) and compares the
/// verdicts with the labels in <see cref="RewardModelMetrics"/> (accuracy, error precision, recall and F1,
/// ROC AUC overall and per error kind).
/// </summary>
/// <remarks>
/// A sentence counts as its <see cref="AnnotatedSentence.Label"/> (its first annotated error, or correct). The model's
/// <see cref="SentenceJudgement.ErrorProbability"/> ranks items for ROC AUC; a model that reports none
/// counts 1 for a judged error and 0 otherwise. Descriptions are judged one at a time, in order, and each
/// image's decoded pixels are released after its description.
/// </remarks>
public static class RewardModelEvaluator
{
    /// <summary>Judges <paramref name="heldOut"/> with <paramref name="model"/> and measures the verdicts against the labels.</summary>
    /// <exception cref="ArgumentException"><paramref name="heldOut"/> is empty.</exception>
    /// <exception cref="NotSupportedException">Holistic measurement of a model that does not judge whole descriptions.</exception>
    public static async Task<RewardModelMetrics> EvaluateAsync(ISentenceRewardModel model, IReadOnlyList<AnnotatedDescription> heldOut, RewardModelEvaluationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(heldOut);
        options ??= new RewardModelEvaluationOptions();
        var whole = options.Holistic
            ? model.GetService<IDescriptionRewardModel>() ?? throw new NotSupportedException($"{ComponentIdentity.Of(model)} judges sentences, not whole descriptions: measure it per sentence.")
            : null;
        var predictions = new List<RewardModelPrediction>();
        for (int i = 0; i < heldOut.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            options.Progress?.Report((i, heldOut.Count));
            var d = heldOut[i];
            var image = ImageInput.FromFile(options.ImagesDirectory is null ? d.Image : Path.Combine(options.ImagesDirectory, d.Image), d.Image);
            var parsed = d.ToParsedText();
            if (whole is not null)
            {
                var judgement = await whole.JudgeDescriptionAsync(image, d.Prompt, parsed, cancellationToken).ConfigureAwait(false);
                predictions.Add(Prediction(d.Sentences.Select(s => s.Label).FirstOrDefault(k => k != SentenceErrorKind.None), judgement));
            }
            else
            {
                var judgements = await model.JudgeAsync(image, d.Prompt, parsed, cancellationToken).ConfigureAwait(false);
                predictions.AddRange(d.Sentences.Select((s, j) => Prediction(s.Label, judgements[j])));
            }

            image.ReleasePixels();
        }

        options.Progress?.Report((heldOut.Count, heldOut.Count));
        return RewardModelMetrics.Compute(predictions);
    }

    private static RewardModelPrediction Prediction(SentenceErrorKind truth, SentenceJudgement judgement) =>
        new(truth, judgement.Error, judgement.ErrorProbability ?? (judgement.Error == SentenceErrorKind.None ? 0 : 1));
}
