using System.Text.Json;
using ViGoR.Evaluation;
using ViGoR.Torch;
using ViGoR.Torch.Rewards;

namespace ViGoR.Cli.RewardModel;

/// <summary>What <see cref="RewardModelTrainer"/> produced.</summary>
internal sealed record RewardModelTrainingResult(RewardModelMetrics Metrics, int TrainDescriptions, int EvalDescriptions, int TrainExamples, FineTuningResult FineTuning);

/// <summary>
/// Trains ViGoR's reward model (Yan et al., Sec. 3.1, 4.3) from fine-grained annotations: one example
/// per sentence (the paper's question with the description up to and including it; the target the
/// label scheme's digit for its kind and creativity), or one per description for the holistic
/// ablation (Sec. 4.6); fine-tunes the base LVLM on them; writes the model with its
/// <c>vigor_reward.json</c>; and measures it on the held-out images into <c>metrics.json</c>.
/// </summary>
/// <remarks>
/// Resumable: fine-tuning checkpoints live in <c>OUT/checkpoints</c>, and a finished run is restored
/// rather than repeated. The held-out images are listed in <c>OUT/split.json</c>.
/// </remarks>
internal static class RewardModelTrainer
{
    public static async Task<RewardModelTrainingResult> TrainAsync(
        LlavaVisionLanguageModel model,
        IReadOnlyList<AnnotatedDescription> train,
        IReadOnlyList<AnnotatedDescription> eval,
        string imagesDirectory,
        string outputDirectory,
        bool holistic,
        FineTuningOptions fineTuning,
        IProgress<FineTuningProgress>? progress,
        CancellationToken cancellationToken)
    {
        var options = new LlavaRewardModelOptions
        {
            Labels = RewardLabelScheme.Categorical,
            Holistic = holistic,
            PromptTemplate = holistic ? LlavaRewardModelOptions.HolisticInstruction + "\n{description}" : LlavaRewardModelOptions.PaperInstruction + "\n{description}",
            Scoring = RewardScoring.FirstToken,
        };
        var examples = Examples(train, imagesDirectory, options, holistic);
        if (examples.Count == 0)
        {
            throw new InvalidDataException("The training split has no sentence to learn from.");
        }

        Directory.CreateDirectory(outputDirectory);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, "split.json"), JsonSerializer.Serialize(new { eval_images = eval.Select(d => d.Image).Distinct().Order(StringComparer.Ordinal) }), cancellationToken);
        fineTuning.CheckpointDirectory = Path.Combine(outputDirectory, "checkpoints");
        var result = await model.FineTuneAsync(examples, fineTuning, progress, cancellationToken);
        await model.SaveCheckpointAsync(outputDirectory, cancellationToken);
        RewardModelMetadata.For(options.Labels, holistic ? RewardModelMetadata.Holistic : RewardModelMetadata.FineGrained, options.PromptTemplate).Save(outputDirectory);

        using var judge = new LlavaSentenceRewardModel(model, options);
        var metrics = eval.Count == 0 ? null : await EvaluateAsync(judge, eval, imagesDirectory, cancellationToken);
        if (metrics is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(outputDirectory, "metrics.json"), JsonSerializer.Serialize(metrics, JournalJsonIndented), cancellationToken);
        }

        return new RewardModelTrainingResult(metrics ?? throw new InvalidDataException("No held-out description: give --eval-fraction > 0 (with two or more images) or --eval FILE."), train.Count, eval.Count, examples.Count, result);
    }

    /// <summary>The fine-tuning examples of labelled descriptions: one per sentence, or one per description when holistic.</summary>
    public static List<FineTuningExample> Examples(IReadOnlyList<AnnotatedDescription> descriptions, string imagesDirectory, LlavaRewardModelOptions options, bool holistic)
    {
        var examples = new List<FineTuningExample>();
        foreach (var d in descriptions)
        {
            var image = Image(d, imagesDirectory);
            var parsed = d.ToParsedText();
            var kinds = d.Sentences.Select(Truth).ToList();
            if (holistic)
            {
                examples.Add(LlavaSentenceRewardModel.CreateHolisticTrainingExample(options, image, d.Prompt, parsed, kinds, d.Sentences.Any(s => s.Creative)));
            }
            else
            {
                examples.AddRange(LlavaSentenceRewardModel.CreateTrainingExamples(options, image, d.Prompt, parsed, kinds, d.Sentences.Select(s => s.Creative).ToList()));
            }
        }

        return examples;
    }

    /// <summary>Judges every held-out sentence (or description, for a holistic model) and compares with the labels.</summary>
    public static async Task<RewardModelMetrics> EvaluateAsync(LlavaSentenceRewardModel judge, IReadOnlyList<AnnotatedDescription> eval, string imagesDirectory, CancellationToken cancellationToken)
    {
        var predictions = new List<RewardModelPrediction>();
        foreach (var d in eval)
        {
            var image = Image(d, imagesDirectory);
            var parsed = d.ToParsedText();
            if (judge.IsHolistic)
            {
                var whole = await judge.JudgeDescriptionAsync(image, d.Prompt, parsed, cancellationToken);
                var truth = d.Sentences.Select(Truth).FirstOrDefault(k => k != SentenceErrorKind.None);
                predictions.Add(Prediction(truth, whole));
            }
            else
            {
                var judgements = await judge.JudgeAsync(image, d.Prompt, parsed, cancellationToken);
                predictions.AddRange(d.Sentences.Select((s, i) => Prediction(Truth(s), judgements[i])));
            }

            image.ReleasePixels();
        }

        return RewardModelMetrics.Compute(predictions);
    }

    private static RewardModelPrediction Prediction(SentenceErrorKind truth, SentenceJudgement judgement) =>
        new(truth, judgement.Error, judgement.ErrorProbability ?? (judgement.Error == SentenceErrorKind.None ? 0 : 1));

    /// <summary>The kind a sentence is trained and measured as: its first annotated error, or correct.</summary>
    private static SentenceErrorKind Truth(AnnotatedSentence sentence) => sentence.Errors.Count > 0 ? sentence.Errors[0] : SentenceErrorKind.None;

    private static ImageInput Image(AnnotatedDescription d, string imagesDirectory) => ImageInput.FromFile(Path.Combine(imagesDirectory, d.Image), d.Image);

    private static readonly JsonSerializerOptions JournalJsonIndented = new(JournalJson.Options) { WriteIndented = true };
}
