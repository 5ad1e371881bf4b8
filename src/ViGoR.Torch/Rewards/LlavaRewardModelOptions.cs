namespace ViGoR.Torch.Rewards;

/// <summary>How <see cref="LlavaSentenceRewardModel"/> reads the reward model's answer.</summary>
public enum RewardScoring
{
    /// <summary>
    /// One forward per question, no decoding: the next-token distribution where the reply starts, read at
    /// each label's first distinguishing token and renormalised over the labels; the judgement's score is
    /// the expected score, <see cref="SentenceJudgement.LabelScore"/> the most probable label's score and
    /// <see cref="SentenceJudgement.ErrorProbability"/> the mass on error labels.
    /// Needs labels whose first tokens differ.
    /// </summary>
    FirstToken,

    /// <summary>Greedy decoding of the reply, read as a number (<see cref="LlavaSentenceRewardModel.ParseReply"/>); no error probability.</summary>
    Decode,
}

/// <summary>How <see cref="LlavaSentenceRewardModel"/> asks its LLaVA checkpoint and reads the answer.</summary>
public sealed class LlavaRewardModelOptions
{
    /// <summary>The question of the ViGoR paper (Yan et al., Sec. 3.1) that the reward model was fine-tuned to answer.</summary>
    public const string PaperInstruction = "Assess the accuracy of the last sentence in the following description of this image, and return a single number.";

    /// <summary>The question a holistic reward model (one judgement per description, the paper's ablation) answers.</summary>
    public const string HolisticInstruction = "Assess the accuracy of the following description of this image, and return a single number.";

    private string? _promptTemplate;
    private RewardLabelScheme? _labels;

    /// <summary>
    /// The user turn sent for each sentence. <c>{description}</c> is replaced by the description up to
    /// and including the judged sentence (all preceding text is the context; for a holistic model the whole
    /// description), <c>{prompt}</c> by the instruction the description answered. Default: the model folder's
    /// <c>vigor_reward.json</c> when <see cref="LlavaSentenceRewardModel.Load"/> finds one, else
    /// <see cref="PaperInstruction"/> (holistic: <see cref="HolisticInstruction"/>), a newline, the description.
    /// Reward-model training examples are built with the same template, so keep the two in step.
    /// </summary>
    public string PromptTemplate
    {
        get => _promptTemplate ?? (Holistic == true ? HolisticInstruction : PaperInstruction) + "\n{description}";
        set => _promptTemplate = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Upper bound on generated tokens per reply (a number needs a handful; <see cref="RewardScoring.Decode"/> only). Default 8.</summary>
    public int MaxNewTokens { get; set; } = 8;

    /// <summary>Sentences per generation batch (<see cref="RewardScoring.Decode"/> only; one description's sentences share the image). Default 16.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>
    /// Images whose questions share one packed pass in <see cref="LlavaSentenceRewardModel.JudgeBatchAsync"/>
    /// (<see cref="RewardScoring.FirstToken"/> only). Default 1: each image is judged in its own pass, and
    /// its scores are bit for bit those of judging it alone, whatever else is in the batch, so journals
    /// resume and merge byte-identically at any <c>--image-batch</c>. Above 1, several images run as rows of
    /// one pass (one vision-tower forward for all, one KV-cache row each): fewer, larger forwards, which
    /// pays on a device that one image's pass leaves idle (a GPU), at the price of float rounding — the
    /// batched kernels sum in another order, so scores differ from judging alone in about the sixth
    /// significant digit and a journal resumed mid-batch, or merged from chunks, may differ from an
    /// uninterrupted run there. On a CPU the pass is compute-bound and the gain is small (see the README).
    /// Memory grows with it: one KV-cache row per image.
    /// </summary>
    public int MaxImagesPerPass { get; set; } = 1;

    /// <summary>
    /// The meaning of the numbers the model returns. Default: the model folder's <c>vigor_reward.json</c>
    /// when <see cref="LlavaSentenceRewardModel.Load"/> finds one, else <see cref="RewardLabelScheme.Default"/>.
    /// </summary>
    public RewardLabelScheme Labels
    {
        get => _labels ?? RewardLabelScheme.Default;
        set => _labels = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// How replies are read. Null (default): <see cref="RewardScoring.FirstToken"/> when the labels' first
    /// tokens differ under the model's tokenizer (e.g. <see cref="RewardLabelScheme.Categorical"/>), else
    /// <see cref="RewardScoring.Decode"/> (e.g. <see cref="RewardLabelScheme.Default"/>, whose negative
    /// labels all start with the minus sign).
    /// </summary>
    public RewardScoring? Scoring { get; set; }

    /// <summary>
    /// True for a holistic model (<see cref="LlavaSentenceRewardModel.JudgeDescriptionAsync"/>), false for
    /// a per-sentence one. Null (default): as the folder's <c>vigor_reward.json</c> says, else per-sentence.
    /// </summary>
    public bool? Holistic { get; set; }

    /// <summary>
    /// What a reply that is not a single number becomes (<see cref="RewardScoring.Decode"/>; first-token
    /// scores are always readable). <see cref="UnreadableReplyPolicy.Neutral"/>
    /// (default): a neutral judgement marked <see cref="SentenceJudgement.Unreadable"/>, logged as a
    /// warning, journalled and counted in the run summary; greedy decoding would give the same reply on
    /// every rerun, so stopping would stop the run for good. <see cref="UnreadableReplyPolicy.Error"/>:
    /// <see cref="LlavaSentenceRewardModel.JudgeAsync"/> throws <see cref="RewardModelReplyException"/> with the reply.
    /// </summary>
    public UnreadableReplyPolicy OnUnreadable { get; set; } = UnreadableReplyPolicy.Neutral;

    /// <summary>A copy.</summary>
    public LlavaRewardModelOptions Clone() => (LlavaRewardModelOptions)MemberwiseClone();

    /// <summary>A copy in which what these options leave unset (template, labels, kind) comes from <paramref name="metadata"/>.</summary>
    internal LlavaRewardModelOptions WithDefaultsFrom(RewardModelMetadata? metadata)
    {
        var resolved = Clone();
        if (metadata is not null)
        {
            resolved.Holistic ??= metadata.IsHolistic;
            // A template written for the other kind would ask the wrong question.
            if (resolved.Holistic == metadata.IsHolistic)
            {
                resolved._promptTemplate ??= metadata.PromptTemplate;
            }

            resolved._labels ??= metadata.ToScheme();
        }

        return resolved;
    }
}
