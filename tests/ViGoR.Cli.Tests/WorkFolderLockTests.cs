using System.Diagnostics;

namespace ViGoR.Cli.Tests;

/// <summary>
/// One writer per work folder and output file (issue 18): a second <c>vigor</c> process on a folder
/// or file that another process holds fails at once, names the folder and the holder, and touches
/// nothing; the holder's run ends as a lone run would.
/// </summary>
public sealed class WorkFolderLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-cli-lock-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_second_run_on_a_busy_work_folder_fails_fast_and_the_first_ends_as_a_lone_run()
    {
        var (samples, boxes) = Replicated(40);
        string[] Run(string work) => ["run", "--samples", samples, "--annotations", boxes, "--work", work, "--supervision-only"];

        var lone = Path.Combine(_folder, "lone");
        Assert.Equal(0, (await RunAsync(Run(lone))).Exit);

        // The first run is stopped (SIGSTOP) once it holds the lock, so the second surely meets it.
        var work = Path.Combine(_folder, "work");
        using var first = Start(Run(work));
        var firstOutput = Collect(first);
        var holder = Path.Combine(work, WorkFolderLock.FolderLockFileName + ".holder");
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(holder) && File.ReadAllText(holder).Contains($"process {first.Id} ", StringComparison.Ordinal)))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60) || first.HasExited)
            {
                Assert.Fail($"the first run never took the lock:\n{await firstOutput}");
            }

            await Task.Delay(5);
        }

        Signal("STOP", first.Id);
        try
        {
            // Stopped, not ended (Process.HasExited cannot tell a stopped child from an ended one).
            var status = File.Exists($"/proc/{first.Id}/status") ? File.ReadAllText($"/proc/{first.Id}/status") : "(gone)";
            Assert.True(status.Contains("State:\tT", StringComparison.Ordinal), $"the first run ended before it could be met: give it more images. {status[..Math.Min(200, status.Length)]}");
            var before = Snapshot(work);
            var clock = Stopwatch.StartNew();
            var (exit, output) = await RunAsync(Run(work));

            Assert.NotEqual(0, exit);
            Assert.Contains(Path.GetFullPath(work), output, StringComparison.Ordinal);
            Assert.Contains($"process {first.Id} ", output, StringComparison.Ordinal);
            Assert.Contains("started ", output, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the second run took {clock.Elapsed} to fail");
            Assert.Equal(before, Snapshot(work)); // it touched nothing
        }
        finally
        {
            Signal("CONT", first.Id);
        }

        await first.WaitForExitAsync();
        Assert.True(first.ExitCode == 0, await firstOutput);
        foreach (var journal in new[] { "scores.jsonl", "supervision.jsonl" })
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(lone, "round-0", journal)), await File.ReadAllTextAsync(Path.Combine(work, "round-0", journal)));
        }

        // Released by the OS at exit: the next run takes the lock (and resumes nothing new).
        Assert.Equal(0, (await RunAsync(Run(work))).Exit);
    }

    /// <summary>Each verb's lock, held by this test process: the vigor process started beside it fails at once and leaves the target as it was.</summary>
    [Theory]
    [InlineData("run-folder")]
    [InlineData("run-chunk")]
    [InlineData("demo")]
    [InlineData("merge")]
    [InlineData("merge-chunk")]
    [InlineData("score")]
    [InlineData("generate")]
    public async Task Every_verb_refuses_a_target_another_process_holds(string verb)
    {
        var (samples, boxes) = Replicated(1);
        var target = Path.Combine(_folder, "target");
        var (holdFolder, args) = verb switch
        {
            "run-folder" => (true, new[] { "run", "--samples", samples, "--annotations", boxes, "--work", target }),
            "run-chunk" => (false, ["run", "--samples", samples, "--annotations", boxes, "--work", _folder, "--num-chunks", "2", "--chunk-idx", "1"]),
            "demo" => (true, ["demo", "--quick", "--out", target]),
            "merge" => (true, ["merge", "--out", target, samples]),
            "merge-chunk" => (false, ["merge", "--out", Path.Combine(_folder, "merged"), target]), // a chunk still being written
            "score" => (false, ["score", "--reward-model", Path.Combine(_folder, "no-model"), "--samples", samples, "--images", _folder, "--out", target]),
            _ => (false, ["generate", "--model", Path.Combine(_folder, "no-model"), "--images", _folder, "--out", target]),
        };
        if (verb == "run-chunk")
        {
            target = Path.Combine(_folder, "scores.chunk-1-of-2.jsonl");
        }

        using var held = holdFolder ? WorkFolderLock.ForFolder(target) : WorkFolderLock.ForFile(target);
        if (!holdFolder)
        {
            await File.WriteAllTextAsync(target, "untouched\n");
        }

        var before = Snapshot(_folder);
        var (exit, output) = await RunAsync(args);

        Assert.Equal(1, exit);
        Assert.Contains(Path.GetFullPath(target), output, StringComparison.Ordinal);
        Assert.Contains($"process {Environment.ProcessId} ", output, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(_folder));
    }

    /// <summary>The recorded COCO captions, <paramref name="copies"/> times under distinct ids: enough images for a run that lasts.</summary>
    private (string Samples, string Boxes) Replicated(int copies)
    {
        var demo = Path.Combine(AppContext.BaseDirectory, "Fixtures", "RecordedCoco");
        var result = (Path.Combine(_folder, "samples.jsonl"), Path.Combine(_folder, "boxes.jsonl"));
        foreach (var (name, path) in new[] { ("demo_samples.jsonl", result.Item1), ("demo_boxes.jsonl", result.Item2) })
        {
            var lines = File.ReadAllLines(Path.Combine(demo, name)).Where(l => l.Length > 0).ToList();
            File.WriteAllLines(path, Enumerable.Range(0, copies).SelectMany(c => lines.Select(l => l
                .Replace("\"image\": \"", $"\"image\": \"r{c}-", StringComparison.Ordinal)
                .Replace("\"id\": \"", $"\"id\": \"r{c}-", StringComparison.Ordinal))));
        }

        return result;
    }

    private static Dictionary<string, string> Snapshot(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => f, Hash, StringComparer.Ordinal)
            : [];

    private static string Hash(string file)
    {
        try
        {
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        }
        catch (IOException)
        {
            return "locked"; // a held lock file: .NET reads only what it can lock
        }
    }

    private static Process Start(string[] args) => VigorProcess.Start(args);

    private static async Task<string> Collect(Process process)
    {
        var (output, error) = await VigorProcess.CollectAsync(process);
        return output + error;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string[] args)
    {
        var (exit, output, error) = await VigorProcess.RunAsync(args);
        return (exit, output + error);
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }
}
