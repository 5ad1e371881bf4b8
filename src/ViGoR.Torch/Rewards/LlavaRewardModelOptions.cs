namespace ViGoR.Torch.Rewards;

/// <summary>How <see cref="LlavaSentenceRewardModel"/> asks its LLaVA checkpoint and reads the answer.</summary>
public sealed class LlavaRewardModelOptions
{
    /// <summary>The question of the ViGoR paper (Yan et al., Sec. 3.1) that the reward model was fine-tuned to answer.</summary>
    public const string PaperInstruction = "Assess the accuracy of the last sentence in the following description of this image, and return a single number.";

    /// <summary>
    /// The user turn sent for each sentence. <c>{description}</c> is replaced by the description up to
    /// and including the judged sentence (all preceding text is the context), <c>{prompt}</c> by the
    /// instruction the description answered. Default: <see cref="PaperInstruction"/>, a newline, the
    /// description. Reward-model training examples are built with the same template, so keep the two in step.
    /// </summary>
    public string PromptTemplate { get; set; } = PaperInstruction + "\n{description}";

    /// <summary>Upper bound on generated tokens per reply (a number needs a handful). Default 8.</summary>
    public int MaxNewTokens { get; set; } = 8;

    /// <summary>Sentences per generation batch (one description's sentences share the image). Default 16.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>The meaning of the numbers the model returns. Default <see cref="RewardLabelScheme.Default"/>.</summary>
    public RewardLabelScheme Labels { get; set; } = RewardLabelScheme.Default;

    /// <summary>
    /// What a reply that is not a single number becomes. <see cref="UnreadableReplyPolicy.Neutral"/>
    /// (default): a neutral judgement marked <see cref="SentenceJudgement.Unreadable"/>, logged as a
    /// warning, journalled and counted in the run summary; greedy decoding would give the same reply on
    /// every rerun, so stopping would stop the run for good. <see cref="UnreadableReplyPolicy.Error"/>:
    /// <see cref="LlavaSentenceRewardModel.JudgeAsync"/> throws <see cref="RewardModelReplyException"/> with the reply.
    /// </summary>
    public UnreadableReplyPolicy OnUnreadable { get; set; } = UnreadableReplyPolicy.Neutral;

    /// <summary>A copy.</summary>
    public LlavaRewardModelOptions Clone() => (LlavaRewardModelOptions)MemberwiseClone();
}
