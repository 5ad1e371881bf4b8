using ViGoR.Evaluation;
using ViGoR.Torch.Rewards;

namespace ViGoR.Cli.RewardModel;

/// <summary>How <c>vigor train-reward</c> and the demo measure the reward models they train: <see cref="RewardModelEvaluator"/> as the trainer's metrics function.</summary>
internal static class RewardModelMeasure
{
    /// <summary>Judges the held-out descriptions (images under <paramref name="imagesDirectory"/>) per sentence, or per description when <paramref name="holistic"/>.</summary>
    public static RewardModelMetricsFunction Metrics(string imagesDirectory, bool holistic) =>
        async (judge, heldOut, cancellationToken) => await RewardModelEvaluator.EvaluateAsync(judge, heldOut, new RewardModelEvaluationOptions { ImagesDirectory = imagesDirectory, Holistic = holistic }, cancellationToken);
}
