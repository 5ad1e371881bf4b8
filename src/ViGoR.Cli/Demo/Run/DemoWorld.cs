using ViGoR.Evaluation;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Demo.Run;

/// <summary>One ShapesWorld split on disk: PNG images and COCO instances (the detector's and CHAIR's ground truth).</summary>
internal sealed class DemoSplit
{
    private readonly Dictionary<string, Scene> _byFile;

    public DemoSplit(string directory, IReadOnlyList<Scene> scenes)
    {
        Directory = directory;
        Scenes = scenes;
        _byFile = scenes.ToDictionary(s => s.FileName, StringComparer.Ordinal);
    }

    public string Directory { get; }

    public IReadOnlyList<Scene> Scenes { get; }

    public string ImagesDirectory => Path.Combine(Directory, "images");

    public string InstancesPath => Path.Combine(Directory, "instances.json");

    public string ImagePath(Scene scene) => Path.Combine(ImagesDirectory, scene.FileName);

    /// <summary>The scene of an image file name.</summary>
    public Scene Scene(string fileName) => _byFile.TryGetValue(fileName, out var scene) ? scene : throw new KeyNotFoundException($"{fileName} is not in split {Directory}.");
}

/// <summary>
/// The demo's world: four ShapesWorld splits drawn from the world seed W (default
/// <see cref="DemoSettings.DefaultWorldSeed"/>) — the scenes the simulated annotators label (W + 1), the
/// scenes the method trains on (W + 2), the test scenes (W + 3) and the validation scenes the base model
/// is calibrated on (W + 4) — and POPE's random, popular and adversarial questions about the test and the
/// validation scenes. Another W draws a world nobody tuned on.
/// </summary>
internal sealed class DemoWorld
{
    private DemoWorld(int worldSeed, DemoSplit annotation, DemoSplit train, DemoSplit test, DemoSplit validation, int popeImages)
    {
        WorldSeed = worldSeed;
        Annotation = annotation;
        Train = train;
        Test = test;
        Validation = validation;
        PopeQuestions = Pope(test, popeImages, TestSeed(worldSeed));
        ValidationPopeQuestions = Pope(validation, popeImages, ValidationSeed(worldSeed));
    }

    public int WorldSeed { get; }

    public DemoSplit Annotation { get; }

    public DemoSplit Train { get; }

    public DemoSplit Test { get; }

    /// <summary>The split the base model is calibrated on, before any ViGoR configuration runs: never the test split.</summary>
    public DemoSplit Validation { get; }

    /// <summary>POPE's questions of all three splits about the first <see cref="DemoSettings.PopeImages"/> test scenes.</summary>
    public IReadOnlyList<PopeItem> PopeQuestions { get; }

    /// <summary>The same about the first validation scenes.</summary>
    public IReadOnlyList<PopeItem> ValidationPopeQuestions { get; }

    public static int AnnotationSeed(int worldSeed) => worldSeed + 1;

    public static int TrainSeed(int worldSeed) => worldSeed + 2;

    public static int TestSeed(int worldSeed) => worldSeed + 3;

    public static int ValidationSeed(int worldSeed) => worldSeed + 4;

    /// <summary>Generates the splits (deterministically) and writes whatever of them is not on disk yet.</summary>
    public static DemoWorld Create(string directory, DemoSettings settings, Action<DemoProgress>? progress = null) => new(
        settings.WorldSeed,
        Split(Path.Combine(directory, "annotation"), AnnotationSeed(settings.WorldSeed), settings.AnnotationImages, progress),
        Split(Path.Combine(directory, "train"), TrainSeed(settings.WorldSeed), settings.TrainImages, progress),
        Split(Path.Combine(directory, "test"), TestSeed(settings.WorldSeed), settings.TestImages, progress),
        Split(Path.Combine(directory, "validation"), ValidationSeed(settings.WorldSeed), settings.ValidationImages, progress),
        settings.PopeImages);

    /// <summary>The split of an evaluation: test or validation.</summary>
    public (DemoSplit Split, IReadOnlyList<PopeItem> Pope) Evaluation(bool validation) => validation ? (Validation, ValidationPopeQuestions) : (Test, PopeQuestions);

    private static List<PopeItem> Pope(DemoSplit split, int images, int seed)
    {
        var asked = split.Scenes.Take(images).Select(s => new PopeImage(s.FileName, s.Categories)).ToList();
        var categories = ShapesWorldKinds.All.Select(k => k.Category).ToList();
        return DemoEvaluation.PopeSplits.SelectMany(name => PopeSampler.Sample(asked, categories, name, seed)).ToList();
    }
    private static DemoSplit Split(string directory, int seed, int count, Action<DemoProgress>? progress)
    {
        var scenes = Enumerable.Range(0, count).Select(i => ShapesWorldGenerator.Generate(seed, i)).ToList();
        var split = new DemoSplit(directory, scenes);
        if (!File.Exists(split.InstancesPath))
        {
            for (int i = 0; i < scenes.Count; i++)
            {
                AtomicFile.WriteAllBytes(split.ImagePath(scenes[i]), scenes[i].Image.EncodePng());
                progress?.Invoke(new DemoProgress($"world: {Path.GetFileName(directory)} split", i + 1, scenes.Count));
            }

            // Written last: its presence says the split is complete.
            AtomicFile.WriteAllText(split.InstancesPath, ShapesWorldGenerator.CocoInstances(scenes));
        }

        return split;
    }
}
