using System.Text.Json;

namespace ViGoR.Cli.Tests;

/// <summary>
/// <c>vigor run --plugin</c>: the installed tool takes a reward stream from an assembly it has never seen
/// (samples/ViGoR.Samples.HedgeStream, built beside the tests but not referenced by them).
/// </summary>
public sealed class PluginTests : IDisposable
{
    private static readonly string Plugin = Path.Combine(AppContext.BaseDirectory, "plugins", "hedges", "ViGoR.Samples.HedgeStream.dll");

    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-plugin-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Samples()
    {
        var samples = Path.Combine(_folder, "samples.jsonl");
        File.WriteAllLines(samples, ["""{"image": "img1", "prompt": "Describe.", "samples": ["A dog sits on a bench. Maybe a cat sleeps nearby.", "A dog sits on a bench."]}"""]);
        return samples;
    }

    /// <summary>The console's text without the line breaks it wraps long lines with.</summary>
    private static string Text(string console) => console.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal);

    [Fact]
    public void The_plugin_is_not_part_of_the_tests_so_the_tool_must_load_it()
    {
        Assert.True(File.Exists(Plugin), Plugin);
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "ViGoR.Samples.HedgeStream");
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "ViGoR.Samples.HedgeStream.dll")));
    }

    [Fact]
    public async Task A_plugin_stream_runs_by_name_with_its_settings_and_its_evidence_is_journalled()
    {
        var work = Path.Combine(_folder, "work");

        var (exit, output, error) = await VigorProcess.RunAsync(["run", "--samples", Samples(), "--plugin", Plugin, "--stream", "hedges:drop=true", "-k", "2", "--work", work]);

        Assert.True(exit == 0, output + error);
        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(work, "round-0", "scores.jsonl"));
        Assert.Equal(("hedges", "true"), (header!.Settings["streams"], header.Settings["hedges.drop"]));
        var hedged = records.Single().Samples[0].Sentences[1].Signals["hedges"];
        Assert.Equal(1, hedged.Penalty);
        Assert.Equal(["maybe"], hedged.Evidence!["hedges"].Deserialize<string[]>()!);
        var supervision = SupervisionJournal.Read(Path.Combine(work, "round-0", "supervision.jsonl")).Single();
        Assert.Equal(1, supervision.Chosen); // the hedge-free sample
    }

    [Fact]
    public async Task Without_the_plugin_the_stream_is_unknown_and_the_error_says_how_to_load_one()
    {
        var (exit, output, error) = await VigorProcess.RunAsync(["run", "--samples", Samples(), "--stream", "hedges", "--work", Path.Combine(_folder, "work")]);

        Assert.Equal(1, exit);
        Assert.Contains("Unknown reward stream 'hedges'", Text(output + error), StringComparison.Ordinal);
        Assert.Contains("--plugin FILE.dll", Text(output + error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing.dll", "no such file")]
    [InlineData("not-an-assembly.dll", "cannot be loaded")]
    [InlineData("ViGoR.Core.dll", "ViGoR.Core has no public class implementing ViGoR.IViGoRPlugin")]
    public async Task A_bad_plugin_is_refused_naming_the_file(string name, string expected)
    {
        var file = name == "ViGoR.Core.dll" ? Path.Combine(AppContext.BaseDirectory, name) : Path.Combine(_folder, name);
        if (name == "not-an-assembly.dll")
        {
            await File.WriteAllTextAsync(file, "not a PE file");
        }

        var (exit, output, error) = await VigorProcess.RunAsync(["run", "--samples", Samples(), "--plugin", file, "--stream", "hedges", "--work", Path.Combine(_folder, "work")]);

        Assert.Equal(1, exit);
        Assert.Contains($"--plugin {file}: {expected}", Text(output + error), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder, "work", "round-0")));
    }
}
