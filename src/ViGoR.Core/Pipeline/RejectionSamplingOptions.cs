namespace ViGoR;

/// <summary>
/// The paper's stream presets (its ablation, Yan et al., Table 4), as the compatibility path
/// <see cref="RejectionSamplingOptions.RewardSources"/> names them. New code adds the streams
/// themselves on the builder (<c>UseViGoRAll()</c>, <c>AddAutomaticStream(...)</c>, ...).
/// </summary>
public enum RewardSources
{
    /// <summary>Both the automatic (detector) stream and the reward model: ViGoR-All.</summary>
    Both,

    /// <summary>The automatic stream only: ViGoR-AT.</summary>
    Automatic,

    /// <summary>The reward model only: ViGoR-RM.</summary>
    RewardModel,

    /// <summary>Neither built-in stream: only the streams passed to the trainer (or registered with <c>AddRewardStream</c>).</summary>
    None,
}

/// <summary>How the reward model's judgements are used.</summary>
public enum RewardGranularity
{
    /// <summary>One judgement per sentence, summed (the paper's method).</summary>
    FineGrained,

    /// <summary>
    /// One judgement for the whole text from a reward model trained on whole descriptions
    /// (<see cref="IDescriptionRewardModel"/>): the paper's holistic ablation, Sec. 4.6.
    /// </summary>
    Holistic,
}

/// <summary>Which number of a reward-model judgement becomes the stream's penalty and positive signal.</summary>
public enum RewardSignal
{
    /// <summary>
    /// The label the reward model answers with (the paper, Yan et al. Sec. 3.1; default): a sentence
    /// judged correct has no penalty and its label's score as positive signal (+1, +2 for a creative
    /// one), a sentence judged erroneous the error label's penalty. For a reward model read from its
    /// reply-token distribution the label is the most probable one
    /// (<see cref="SentenceJudgement.LabelScore"/>); otherwise <see cref="SentenceJudgement.Score"/>
    /// already is the label's score.
    /// </summary>
    Label,

    /// <summary>
    /// <see cref="SentenceJudgement.Score"/> as it is: for a reward model read from its reply-token
    /// distribution, the expected score over its labels. Every uncertain sentence then carries a
    /// small penalty, and since a sample's penalties are summed over its sentences, the shortest
    /// sample tends to win. Beyond the paper; kept to reproduce runs made before
    /// <see cref="Label"/> was the default.
    /// </summary>
    Expected,
}

/// <summary>Where the supervision comes from (Yan et al., Sec. 3.5).</summary>
public enum TrainingMode
{
    /// <summary>All supervision is generated once by the initial model, then one fine-tune (paper default).</summary>
    Offline,

    /// <summary>Rounds: regenerate supervision with the current model, fine-tune, repeat.</summary>
    Online,
}

/// <summary>Settings of the automatic (detector) stream, <see cref="AutomaticRewardStream"/>.</summary>
public sealed class AutomaticStreamOptions
{
    /// <summary>Detector thresholds; defaults are the paper's 0.25 / 0.25.</summary>
    public GroundingOptions Grounding { get; set; } = new();

    /// <summary>
    /// Also penalise a stated count ("three zebras") that differs from the number of detections of
    /// that phrase. Off by default: the paper penalises only missing objects, and detectors
    /// under-count crowds.
    /// </summary>
    public bool CheckCounts { get; set; }

    /// <summary>A copy (the grounding options copied too), so that a stream never shares its settings with its caller.</summary>
    public AutomaticStreamOptions Clone() => new()
    {
        Grounding = new GroundingOptions { BoxThreshold = Grounding.BoxThreshold, TextThreshold = Grounding.TextThreshold },
        CheckCounts = CheckCounts,
    };
}

/// <summary>Settings of the rejection-sampling trainer. Defaults follow the ViGoR paper.</summary>
public sealed class RejectionSamplingOptions
{
    /// <summary>How the k samples are drawn; k = 5 by default (paper, Sec. 3.1).</summary>
    public SamplingOptions Sampling { get; set; } = new();

    /// <summary>
    /// Compatibility path for the paper's presets: when set, <c>AddViGoR()</c>'s trainer scores with
    /// that preset's streams (<see cref="RewardStreams.ForSources"/>, built from
    /// <see cref="Automatic"/>, <see cref="RewardGranularity"/>, <see cref="RewardSignal"/> and
    /// <see cref="DropRewardModelHallucinations"/>) plus the streams added on the builder. Null
    /// (default): exactly the streams added on the builder (<c>UseViGoRAll()</c>,
    /// <c>AddAutomaticStream(...)</c>, <c>AddRewardModelStream(...)</c>, <c>AddRewardStream(...)</c>),
    /// or ViGoR-All, the paper's method, when none is added. The trainer's constructor that takes
    /// streams never reads it.
    /// </summary>
    public RewardSources? RewardSources { get; set; }

    /// <summary>
    /// Compatibility path (read only with <see cref="RewardSources"/> or the ViGoR-All default): fine-grained
    /// (paper) or holistic reward-model judgements. New code sets <see cref="RewardModelStreamOptions.Granularity"/>.
    /// </summary>
    public RewardGranularity RewardGranularity { get; set; } = RewardGranularity.FineGrained;

    /// <summary>
    /// Compatibility path (as <see cref="RewardGranularity"/>): which number of each reward-model judgement
    /// is its signal: the judged label (the paper's, default) or the expected score. See
    /// <see cref="RewardModelStreamOptions.Signal"/>.
    /// </summary>
    public RewardSignal RewardSignal { get; set; } = RewardSignal.Label;

    /// <summary>
    /// Compatibility path (as <see cref="RewardGranularity"/>): refinement also drops the sentences the
    /// reward model labels object hallucination (Sec. 3.4), in ViGoR-RM and ViGoR-All. Default true. See
    /// <see cref="RewardModelStreamOptions.DropObjectHallucinations"/>.
    /// </summary>
    public bool DropRewardModelHallucinations { get; set; } = true;

    /// <summary>
    /// Images sampled and scored together: one batched sampling call when the model is an
    /// <see cref="IBatchVisionLanguageModel"/> (B images × k rows decode together), and one call per
    /// <see cref="IBatchRewardStream"/> for the B images (the detector and the reward model batched
    /// across images). Default 1. Greedy texts and the scored records equal batch 1's; sampled texts
    /// depend only on each image's seed, so resumed and sharded runs still sample as one run. Memory
    /// grows with B in every model.
    /// </summary>
    public int ImageBatchSize { get; set; } = 1;

    /// <summary>Which statistics selection normalises with (data set by default), precomputed ones, and whether it refines first.</summary>
    public SelectionOptions Selection { get; set; } = new();

    /// <summary>
    /// Compatibility path (as <see cref="RewardGranularity"/>): the automatic stream's settings. New code
    /// passes them to <c>AddAutomaticStream(o =&gt; ...)</c>.
    /// </summary>
    public AutomaticStreamOptions Automatic { get; set; } = new();

    /// <summary>
    /// The chunk of a job array that the scored items are (<see cref="DatasetShards.GetChunk{T}"/>);
    /// recorded in the scores journal's header, so that the journal is resumed only as that chunk and
    /// merged only with every other chunk of the same count. Null (default): a whole data set.
    /// </summary>
    public DatasetChunk? Chunk { get; set; }

    /// <summary>Offline (paper default) or online.</summary>
    public TrainingMode Mode { get; set; } = TrainingMode.Offline;

    /// <summary>Rounds of generate-then-fine-tune in online mode, at least 1 (ignored offline). Default 2.</summary>
    public int OnlineRounds { get; set; } = 2;

    /// <summary>Fine-tuning settings (lr 2e-5, 2 epochs, batch 32 by default, from the paper). With a preference objective the batch counts pairs.</summary>
    public FineTuningOptions FineTuning { get; set; } = new();

    /// <summary>
    /// What the model learns from each round's supervision: the paper's autoregressive loss on the refined
    /// targets (default), or preference optimisation on pairs built from the journal (<see cref="Dpo"/>).
    /// </summary>
    public TrainingObjective Objective { get; set; } = TrainingObjective.Sft;

    /// <summary>
    /// The preference loss and pairing when <see cref="Objective"/> is not <see cref="TrainingObjective.Sft"/>.
    /// <see cref="DpoOptions.SftWeight"/> must be &gt; 0 for <see cref="TrainingObjective.SftPlusDpo"/> and 0 for <see cref="TrainingObjective.Dpo"/>.
    /// </summary>
    public DpoOptions Dpo { get; set; } = new();

    /// <summary>
    /// Base seed for sampling. Each image's seed is derived from it and the image id (and round),
    /// so a resumed or sharded run samples exactly as an uninterrupted one.
    /// </summary>
    public int Seed { get; set; } = 1234;

    /// <summary>
    /// Sets every property of <paramref name="target"/> to this one's (a shallow copy: the nested
    /// options objects are shared), e.g. inside <c>AddViGoR(o =&gt; options.CopyTo(o))</c>. A test
    /// checks that it copies every property, so a new one is never silently dropped.
    /// </summary>
    public void CopyTo(RejectionSamplingOptions target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Sampling = Sampling;
        target.RewardSources = RewardSources;
        target.RewardGranularity = RewardGranularity;
        target.RewardSignal = RewardSignal;
        target.DropRewardModelHallucinations = DropRewardModelHallucinations;
        target.ImageBatchSize = ImageBatchSize;
        target.Selection = Selection;
        target.Automatic = Automatic;
        target.Chunk = Chunk;
        target.Mode = Mode;
        target.OnlineRounds = OnlineRounds;
        target.FineTuning = FineTuning;
        target.Objective = Objective;
        target.Dpo = Dpo;
        target.Seed = Seed;
    }
}
