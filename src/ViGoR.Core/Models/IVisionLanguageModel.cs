namespace ViGoR;

/// <summary>A vision-language model that describes images (LLaVA in the paper).</summary>
public interface IVisionLanguageModel : IPipelineComponent
{
    /// <summary>
    /// Samples <see cref="SamplingOptions.NumSamples"/> answers to <paramref name="prompt"/> about
    /// <paramref name="image"/>. Returns exactly that many texts, in sample order.
    /// </summary>
    Task<IReadOnlyList<string>> SampleAsync(
        ImageInput image,
        string prompt,
        SamplingOptions? options = null,
        CancellationToken cancellationToken = default);
}

/// <summary>One image of a batched sampling call, with its own prompt and seed.</summary>
/// <param name="Image">The image.</param>
/// <param name="Prompt">The instruction.</param>
/// <param name="Seed">The seed of this image's samples: the same seed gives the same texts whatever else is in the batch.</param>
public sealed record SampleRequest(ImageInput Image, string Prompt, int Seed);

/// <summary>
/// A vision-language model that samples several images in one batched call (one prefill, all
/// images' k rows decoded together), which keeps an accelerator busy where one image's k rows
/// cannot.
/// </summary>
public interface IBatchVisionLanguageModel : IVisionLanguageModel
{
    /// <summary>
    /// Samples <see cref="SamplingOptions.NumSamples"/> answers for every request; result i belongs to
    /// request i. With temperature 0 the texts equal those of <see cref="IVisionLanguageModel.SampleAsync"/>
    /// one image at a time; with sampling, each request's texts depend only on its own seed.
    /// </summary>
    Task<IReadOnlyList<IReadOnlyList<string>>> SampleBatchAsync(
        IReadOnlyList<SampleRequest> requests,
        SamplingOptions? options = null,
        CancellationToken cancellationToken = default);
}

/// <summary>A vision-language model that can also be fine-tuned and saved.</summary>
public interface IFineTunableVisionLanguageModel : IVisionLanguageModel
{
    /// <summary>
    /// Fine-tunes on <paramref name="examples"/> with the standard autoregressive loss on the target
    /// tokens. When <see cref="FineTuningOptions.CheckpointDirectory"/> holds an unfinished run of
    /// the same data, resumes it at the step it reached; when it holds a finished run, restores its
    /// final weights and returns without training (so a resumed online job gets back the weights
    /// of its earlier rounds).
    /// </summary>
    Task<FineTuningResult> FineTuneAsync(
        IReadOnlyList<FineTuningExample> examples,
        FineTuningOptions? options = null,
        IProgress<FineTuningProgress>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>Saves the current weights (and what is needed to load them) to <paramref name="directory"/>.</summary>
    Task SaveCheckpointAsync(string directory, CancellationToken cancellationToken = default);
}
