using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ViGoR.Torch.Training;

namespace ViGoR.Torch;

/// <summary>Fine-tuning and saving (ViGoR's last step: supervised fine-tuning on the refined descriptions).</summary>
public sealed partial class LlavaVisionLanguageModel : IFineTunableVisionLanguageModel
{
    /// <summary>Where fine-tuning logs go (checkpoints, resume, per-step losses at Debug). Default: nowhere.</summary>
    public ILogger TrainingLogger { get; set; } = NullLogger.Instance;

    /// <summary>
    /// Fine-tunes with the standard autoregressive loss on the target tokens (prompt and image positions
    /// masked with -100, as LLaVA), AdamW with linear warm-up and cosine decay, gradient accumulation
    /// from <see cref="FineTuningOptions.MicroBatchSize"/> to <see cref="FineTuningOptions.BatchSize"/>.
    /// Settings beyond <see cref="FineTuningOptions"/> (frozen vision tower, LoRA, clipping) are read with
    /// <see cref="LlavaFineTuningOptions.From"/>. With a <see cref="FineTuningOptions.CheckpointDirectory"/>,
    /// checkpoints are written every <see cref="FineTuningOptions.SaveEverySteps"/> steps, at the end, and
    /// when cancelled; a later call with the same examples and settings resumes at the saved step and
    /// ends with the same weights as an uninterrupted run.
    /// </summary>
    /// <remarks>
    /// Train in float32 (load with <c>DType = Float32</c>): the updates at lr 2e-5 fall below bf16/fp16
    /// resolution, and there is no fp32 master copy. With LoRA, the adapters are merged into the
    /// in-memory weights when the run finishes (so sampling and <see cref="SaveCheckpointAsync"/> use the
    /// fine-tuned model); a cancelled LoRA run leaves the weights as loaded. Sampling waits while training runs.
    /// </remarks>
    public async Task<FineTuningResult> FineTuneAsync(
        IReadOnlyList<FineTuningExample> examples,
        FineTuningOptions? options = null,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return await TrainAsync(
            options,
            (target, settings, o) => new FineTuningLoop<FineTuningExample>(target, o, settings, TrainingLogger)
                .Run(examples, LlavaTrainingTarget.Fingerprint(examples), progress, cancellationToken),
            cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="loop"/> on the training thread under the model's gate, with the target that
    /// freezes, attaches LoRA and restores what <paramref name="options"/> says; merges LoRA adapters into
    /// the weights when the loop finishes.
    /// </summary>
    private async Task<FineTuningResult> TrainAsync(FineTuningOptions? options, Func<LlavaTrainingTarget, LlavaFineTuningOptions, FineTuningOptions, FineTuningResult> loop, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= new FineTuningOptions();
        var settings = LlavaFineTuningOptions.From(options);
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(
                () =>
                {
                    using var target = new LlavaTrainingTarget(this, settings, options.Seed);
                    var result = loop(target, settings, options);
                    target.Lora?.MergeIntoBase();
                    return result;
                },
                cancellationToken);
        }
        finally
        {
            // Even a cancelled run has changed the weights; caches built from them (the reward model's image features) must not survive.
            WeightsVersion++;
            Gate.Release();
        }
    }

    /// <summary>Changes whenever fine-tuning may have changed the weights (read and written under <see cref="Gate"/>).</summary>
    internal int WeightsVersion { get; private set; }

    /// <summary>
    /// Saves the current weights as a model folder that <see cref="Load"/> and Hugging Face read: safetensors
    /// in the layout the model was loaded from (sharded at 5 GB with <c>model.safetensors.index.json</c>),
    /// with the source folder's config.json, tokenizer and preprocessor files. Files are written to
    /// temporary names and renamed into place; weight files of an earlier save into the same folder
    /// (<c>model*.safetensors</c>, the index, <c>pytorch_model*</c>, a PEFT adapter) are removed so they
    /// cannot shadow the new ones.
    /// </summary>
    public async Task SaveCheckpointAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await Gate.WaitAsync(cancellationToken);
        try
        {
            await Task.Run(() => LlavaCheckpointWriter.Write(this, directory, null, cancellationToken), cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }
}
