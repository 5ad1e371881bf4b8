namespace ViGoR;

/// <summary>One image and the instruction to describe it.</summary>
/// <param name="Image">The image; its <see cref="ImageInput.Id"/> keys the journal, so ids must be unique in a data set.</param>
/// <param name="Prompt">The instruction, e.g. "Describe this image in detail."</param>
public sealed record TrainingItem(ImageInput Image, string Prompt)
{
    /// <summary>The image id.</summary>
    public string Id => Image.Id;
}

/// <summary>Progress of supervision generation, reported after each image.</summary>
/// <param name="Round">0 offline; the round number online.</param>
/// <param name="Completed">Images done in this round, including those found in the journal on resume.</param>
/// <param name="Total">Images in this round (this shard).</param>
/// <param name="Failed">Images that failed (bad image, empty output, model error); recorded, not retried.</param>
/// <param name="WithoutTarget">Images where refinement left no sentence.</param>
/// <param name="LastImageId">The image just finished.</param>
public sealed record RejectionSamplingProgress(int Round, int Completed, int Total, int Failed, int WithoutTarget, string? LastImageId);
