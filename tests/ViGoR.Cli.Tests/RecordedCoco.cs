namespace ViGoR.Cli.Tests;

/// <summary>
/// Five real LVLM descriptions of each of three COCO images with their ground-truth boxes
/// (src/ViGoR.Cli/Demo/demo_*.jsonl, sources in Demo/NOTICE.md): copied into a folder and run
/// through <c>vigor run --supervision-only</c>, the pipeline on real captions without any model.
/// </summary>
internal static class RecordedCoco
{
    public static string Samples(string folder) => Path.Combine(folder, "demo_samples.jsonl");

    public static string Boxes(string folder) => Path.Combine(folder, "demo_boxes.jsonl");

    /// <summary>Copies the files into <paramref name="folder"/> and runs the automatic pipeline on them with <paramref name="run"/> (journal in folder/round-0).</summary>
    public static Task<int> RunAsync(Func<string[], Task<int>> run, string folder, params string[] extra)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in new[] { "demo_samples.jsonl", "demo_boxes.jsonl" })
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "RecordedCoco", name), Path.Combine(folder, name), overwrite: true);
        }

        return run(["run", "--samples", Samples(folder), "--annotations", Boxes(folder), "--work", folder, "--supervision-only", .. extra]);
    }
}
