using System.Text.Json.Serialization;

namespace ViGoR.Cli.Demo.Run;

/// <summary>
/// What shapes a demo run. Everything here is recorded in <c>DIR/demo-settings.json</c>; a rerun with
/// other settings in the same folder is refused (it would mix results), naming what differs.
/// </summary>
internal sealed record DemoSettings
{
    /// <summary>The world the demo's numbers were first measured on (splits 201-204).</summary>
    public const int DefaultWorldSeed = 200;

    /// <summary>The run's seeds: each seeds sampling, annotator and detector noise, reward-model and policy fine-tuning, and evaluation sampling.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    /// <summary>Seeds the annotations (and their noise) and the reward models' training, which all seeds share: a reward model is trained once and then used, as in the paper.</summary>
    public int RewardSeed { get; init; } = 1;

    /// <summary>The world seed of the demo's splits (annotation W + 1, train W + 2, test W + 3, validation W + 4; see <see cref="DemoWorld"/>).</summary>
    public int WorldSeed { get; init; } = DefaultWorldSeed;

    /// <summary>Scenes whose base-model descriptions the simulated annotators label (the reward models' training data).</summary>
    public int AnnotationImages { get; init; } = 600;

    /// <summary>Scenes the method samples k descriptions of and fine-tunes on.</summary>
    public int TrainImages { get; init; } = 160;

    /// <summary>Test scenes (CHAIR and POPE).</summary>
    public int TestImages { get; init; } = 100;

    /// <summary>Validation scenes: the base model's calibration against LLaVA's published error profile (CHAIR and POPE), measured before any ViGoR configuration runs.</summary>
    public int ValidationImages { get; init; } = 100;

    /// <summary>Test scenes POPE asks about (the first ones of the test split; CHAIR uses all).</summary>
    public int PopeImages { get; init; } = 60;

    /// <summary>k, the descriptions sampled per image (the paper's 5).</summary>
    public int NumSamples { get; init; } = 5;

    public float Temperature { get; init; } = 0.7f;

    public int MaxNewTokens { get; init; } = 72;

    /// <summary>Probability that the simulated annotator gets a sentence's label wrong.</summary>
    public double AnnotatorNoise { get; init; } = 0.1;

    /// <summary>The annotation-backed detector's miss rate (per ground-truth box).</summary>
    public double DetectorMissRate { get; init; } = 0.1;

    /// <summary>The annotation-backed detector's false-alarm rate (per absent object asked about).</summary>
    public double DetectorFalseAlarmRate { get; init; } = 0.05;

    /// <summary>A Grounding DINO ONNX folder to use instead of the annotation-backed detector.</summary>
    public string? GroundingDino { get; init; }

    /// <summary>Policy fine-tuning: the same for every configuration.</summary>
    public int Epochs { get; init; } = 3;

    public double LearningRate { get; init; } = 2e-4;

    public int BatchSize { get; init; } = 32;

    /// <summary>Reward-model fine-tuning (fine-grained and holistic alike).</summary>
    public int RewardEpochs { get; init; } = 2;

    public double RewardLearningRate { get; init; } = 1e-3;

    /// <summary>The base model folder (default: the committed tiny ShapesWorld LLaVA). Not recorded: the path moves with the tool; <see cref="BaseModelFingerprint"/> is.</summary>
    [JsonIgnore]
    public string? BaseModel { get; init; }

    /// <summary>What the base model's files hold (<see cref="ContentFingerprint.Of"/>; the runner fills it in), so a folder is not resumed with another base model.</summary>
    public string? BaseModelFingerprint { get; init; }


    /// <summary>The settings of <c>vigor demo --quick</c>: one seed and small splits, for a smoke run under a minute.</summary>
    public static DemoSettings Quick(IReadOnlyList<int> seeds) => new()
    {
        Seeds = seeds,
        AnnotationImages = 24,
        TrainImages = 24,
        TestImages = 16,
        ValidationImages = 16,
        Epochs = 1,
        RewardEpochs = 1,
    };
}
