using System.Text.Json;
using Spectre.Console.Cli.Testing;

namespace ViGoR.Cli.Tests;

/// <summary>The several-annotator verbs: agreement, merge, and the M-HalDetect import/export.</summary>
public sealed class AnnotationsMultiCommandTests : IDisposable
{
    private const string Text = "A dog sits. A cat naps. A bird sings. A car waits.";
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-annotators-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Annotator(string name, params string[] errors)
    {
        var starts = new[] { 0, 12, 24, 38 };
        var ends = new[] { 11, 23, 37, 50 };
        var sentences = errors.Select((e, i) => new { start = starts[i], end = ends[i], errors = e.Length == 0 ? [] : new[] { e } });
        var path = Path.Combine(_folder, name + ".jsonl");
        File.WriteAllText(path, JsonSerializer.Serialize(new { id = "x", image = "x.jpg", prompt = "Describe.", description = Text, sentences, detail = name == "a" ? 2 : 4 }) + "\n");
        return path;
    }

    [Fact]
    public void Agreement_of_two_is_cohens_kappa()
    {
        // Hand-computed in ViGoR.Core.Tests: has-error A = n,y,y,n, B = n,y,n,n → kappa 0.5.
        var result = Run("annotations", "agreement", Annotator("a", "", "object_hallucination", "attribute", ""), Annotator("b", "", "object_hallucination", "", ""), "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal("cohen", json.GetProperty("measure").GetString());
        Assert.Equal(0.5, json.GetProperty("overall").GetProperty("kappa").GetDouble(), 12);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("error_kinds").GetProperty("location").GetProperty("kappa").ValueKind);
        Assert.Contains("Fleiss' kappa", Run("annotations", "agreement", Path.Combine(_folder, "a.jsonl"), Path.Combine(_folder, "b.jsonl"), Annotator("c", "", "", "", "")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Agreement_needs_two_files()
    {
        var e = Assert.Throws<Spectre.Console.Cli.CommandRuntimeException>(() => Run("annotations", "agreement", Annotator("a", "")));

        Assert.Equal("Give at least two annotators' files.", e.Message);
    }

    [Fact]
    public void Merge_writes_the_majority_and_lists_ties()
    {
        var output = Path.Combine(_folder, "merged.jsonl");

        var result = Run("annotations", "merge", Annotator("a", "", "object_hallucination", "attribute", ""), Annotator("b", "", "object_hallucination", "", ""), "--out", output);

        Assert.Equal(0, result.ExitCode);
        var merged = Assert.Single(Annotations.Read(output).Descriptions);
        Assert.Equal([0, 1, 0, 0], merged.Sentences.Select(s => s.Errors.Count));
        var ties = File.ReadAllLines(Path.Combine(_folder, "merged.ties.txt"));
        Assert.Equal(["x, sentences[2].errors.attribute: 1 of 2 annotators say yes; left out", "x, detail: 2, 4 each rated by 1 of 2 annotators; the lowest, 2"], ties);
        Assert.Contains(ties[0], result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_and_import_mhal_round_trip_and_a_bad_label_names_file_and_line()
    {
        var spans = Path.Combine(_folder, "spans.jsonl");
        var back = Path.Combine(_folder, "back.jsonl");

        Assert.Equal(0, Run("annotations", "export", Annotator("a", "", "object_hallucination", "attribute", ""), "--format", "mhal", "--out", spans).ExitCode);
        Assert.Contains("\"label\":\"INACCURATE\"", File.ReadAllText(spans), StringComparison.Ordinal);
        Assert.Equal(0, Run("annotations", "import", spans, "--format", "mhal", "--out", back).ExitCode);
        Assert.Equal([0, 1, 1, 0], Assert.Single(Annotations.Read(back).Descriptions).Sentences.Select(s => s.Errors.Count));

        File.WriteAllText(spans, File.ReadAllText(spans).Replace("INACCURATE", "MAYBE", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => Run("annotations", "import", spans, "--format", "mhal", "--out", back));
        Assert.StartsWith($"{spans}, line 1, annotations[1].label: unknown label 'MAYBE'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'label-studio' is not a known format", Assert.Throws<Spectre.Console.Cli.CommandRuntimeException>(() => Run("annotations", "export", back, "--format", "label-studio", "--out", spans)).Message, StringComparison.Ordinal);
    }

    private static CommandAppResult Run(params string[] args)
    {
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);
        return app.Run(args);
    }
}
