namespace ViGoR;

/// <summary>One image and the instruction to describe it.</summary>
/// <param name="Image">The image; its <see cref="ImageInput.Id"/> keys the journal, so ids must be unique in a data set.</param>
/// <param name="Prompt">The instruction, e.g. "Describe this image in detail."</param>
public sealed record TrainingItem(ImageInput Image, string Prompt)
{
    /// <summary>The image id.</summary>
    public string Id => Image.Id;
}

/// <summary>Progress of scoring (the expensive part of supervision), reported after each image.</summary>
/// <param name="Round">0 offline; the round number online.</param>
/// <param name="Completed">Images scored in this round, including those found in the journal on resume.</param>
/// <param name="Total">Images in this round (this shard).</param>
/// <param name="Failed">Images that failed (bad image, empty output); recorded, not retried.</param>
/// <param name="Unreadable">Sentences whose reward-model reply could not be read as a number and were judged neutral.</param>
/// <param name="LastImageId">The image just finished.</param>
public sealed record RejectionSamplingProgress(int Round, int Completed, int Total, int Failed, int Unreadable, string? LastImageId);
