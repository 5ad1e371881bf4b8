using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ViGoR.Torch.Training;

/// <summary>
/// What <see cref="FineTuningLoop{TExample}"/> trains: a set of named parameters and a function from
/// a micro-batch to its summed token loss. Keeps the loop independent of LLaVA, so it is tested on
/// tiny modules.
/// </summary>
internal interface ITrainingTarget<TExample>
{
    /// <summary>The parameters the optimizer updates, in a fixed order, with stable names (checkpoint keys).</summary>
    IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters { get; }

    /// <summary>
    /// The summed cross-entropy over the micro-batch's target tokens (a scalar that requires grad) and
    /// the number of those tokens. Runs inside the caller's dispose scope with gradients enabled.
    /// </summary>
    /// <param name="microBatch">The examples.</param>
    /// <param name="generator">The random source for dropout, seeded per optimizer step so that resumed runs draw the same masks.</param>
    (Tensor LossSum, long TargetTokens) ComputeLoss(IReadOnlyList<TExample> microBatch, Generator generator);

    /// <summary>The number of target tokens <see cref="ComputeLoss"/> will count for <paramref name="examples"/>, without running the model.</summary>
    long CountTargetTokens(IReadOnlyList<TExample> examples);

    /// <summary>The dtype activations and their gradients flow in (float16 turns on loss scaling).</summary>
    ScalarType ComputeDType { get; }

    /// <summary>Switches train/eval mode (dropout on or off).</summary>
    void SetTraining(bool training);

    /// <summary>Writes the model in its loadable form (e.g. a Hugging Face folder) into an existing, empty <paramref name="directory"/>.</summary>
    void SaveModel(string directory, CancellationToken cancellationToken);

    /// <summary>
    /// The trainable parameters whose exact values <see cref="SaveModel"/> writes, so a checkpoint
    /// need not hold them twice; <see cref="RestoreSavedWithModel"/> reads them back on resume.
    /// </summary>
    IReadOnlySet<string> SavedWithModel { get; }

    /// <summary>Copies the <see cref="SavedWithModel"/> parameters from a folder <see cref="SaveModel"/> wrote, streaming (never all tensors at once).</summary>
    void RestoreSavedWithModel(string directory, CancellationToken cancellationToken);
}
