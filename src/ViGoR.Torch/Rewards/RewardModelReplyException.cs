namespace ViGoR.Torch.Rewards;

/// <summary>The reward model answered something other than a single number.</summary>
public sealed class RewardModelReplyException : Exception
{
    /// <summary>Creates the exception for the reply to sentence <paramref name="sentenceIndex"/> of the description of <paramref name="imageId"/>.</summary>
    public RewardModelReplyException(string imageId, int sentenceIndex, string reply)
        : base($"The reward model's reply to sentence {sentenceIndex} of the description of image '{imageId}' is not a single number: \"{reply}\". " +
            "Check that the checkpoint is a ViGoR reward model and that its prompt template matches its training, or set LlavaRewardModelOptions.OnUnreadable to Neutral.")
    {
        ImageId = imageId;
        SentenceIndex = sentenceIndex;
        Reply = reply;
    }

    /// <summary>Creates the exception with a message.</summary>
    public RewardModelReplyException()
    {
        ImageId = string.Empty;
        Reply = string.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    public RewardModelReplyException(string message)
        : base(message)
    {
        ImageId = string.Empty;
        Reply = string.Empty;
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public RewardModelReplyException(string message, Exception innerException)
        : base(message, innerException)
    {
        ImageId = string.Empty;
        Reply = string.Empty;
    }

    /// <summary>The image whose description was judged.</summary>
    public string ImageId { get; }

    /// <summary>Zero-based index of the sentence.</summary>
    public int SentenceIndex { get; }

    /// <summary>The model's reply, verbatim.</summary>
    public string Reply { get; }
}
