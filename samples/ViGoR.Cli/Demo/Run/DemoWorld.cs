using ViGoR.Cli.Demo.ShapesWorld;

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
/// The demo's world: three ShapesWorld splits with fixed seeds — the scenes the simulated annotators
/// label (201), the scenes the method trains on (202) and the test scenes (203) — and POPE's random,
/// popular and adversarial questions about the test scenes.
/// </summary>
internal sealed class DemoWorld
{
    public const int AnnotationSeed = 201;
    public const int TrainSeed = 202;
    public const int TestSeed = 203;

    private DemoWorld(DemoSplit annotation, DemoSplit train, DemoSplit test, int popeImages)
    {
        Annotation = annotation;
        Train = train;
        Test = test;
        var asked = test.Scenes.Take(popeImages).ToList();
        PopeQuestions = DemoEvaluation.PopeSplits.SelectMany(split => PopeSampler.Sample(asked, split, TestSeed)).ToList();
    }

    public DemoSplit Annotation { get; }

    public DemoSplit Train { get; }

    public DemoSplit Test { get; }

    /// <summary>POPE's questions of all three splits about the first <see cref="DemoSettings.PopeImages"/> test scenes.</summary>
    public IReadOnlyList<PopeItem> PopeQuestions { get; }

    /// <summary>Generates the splits (deterministically) and writes whatever of them is not on disk yet.</summary>
    public static DemoWorld Create(string directory, DemoSettings settings, Action<DemoProgress>? progress = null) => new(
        Split(Path.Combine(directory, "annotation"), AnnotationSeed, settings.AnnotationImages, progress),
        Split(Path.Combine(directory, "train"), TrainSeed, settings.TrainImages, progress),
        Split(Path.Combine(directory, "test"), TestSeed, settings.TestImages, progress),
        settings.PopeImages);

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
