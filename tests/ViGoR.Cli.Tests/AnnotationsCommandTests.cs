using System.Text.Json;
using Spectre.Console.Cli.Testing;

namespace ViGoR.Cli.Tests;

public sealed class AnnotationsCommandTests : IDisposable
{
    private const string Dog = """{"id":"d1","image":"dog.jpg","prompt":"Describe the image.","description":"A dog sits on a red sofa. A cat sleeps beside it.","sentences":[{"start":0,"end":25,"errors":[]},{"start":26,"end":49,"errors":["object_hallucination","location"]}],"detail":3}""";
    private const string Sky = """{"id":"d2","image":"sky.jpg","prompt":"Describe the image.","description":"A clear blue sky.","sentences":[{"start":0,"end":17,"errors":[],"creative":true}]}""";

    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-annotations-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Validate_a_valid_file_exits_0()
    {
        var result = Run("annotations", "validate", WriteFile(Dog, Sky));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("valid:", result.Output, StringComparison.Ordinal);
        Assert.Contains("2 descriptions, 3 sentences", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_lists_every_problem_with_file_line_and_field_and_exits_1()
    {
        var path = WriteFile(Dog.Replace("\"end\":49", "\"end\":99", StringComparison.Ordinal), Sky, Sky.Replace("\"creative\":true", "\"creative\":1", StringComparison.Ordinal));

        var result = Run("annotations", "validate", path, "--skip-invalid");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{path}, line 1, sentences[1].end: 99 is past the end of the description (49 characters)", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{path}, line 3, id: 'd2' is already the id of line 2", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{path}, line 3, sentences[0].creative: expected true or false, found 1", result.Output, StringComparison.Ordinal);
        Assert.Contains("3 problems on 2 lines", result.Output, StringComparison.Ordinal);
        Assert.Contains("1 of 3 descriptions are valid", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("descriptions are valid", Run("annotations", "validate", path).Output, StringComparison.Ordinal);
        Assert.Equal(1, Run("annotations", "validate", path).ExitCode);
    }

    [Fact]
    public void Validate_with_images_reports_a_missing_image()
    {
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        File.WriteAllBytes(Path.Combine(images, "dog.jpg"), [1]);

        var result = Run("annotations", "validate", WriteFile(Dog, Sky), "--images", images);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("line 2, image: 'sky.jpg' does not exist", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("line 1, image", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Stats_prints_the_label_balance_and_json()
    {
        var path = WriteFile(Dog, Sky);

        var table = Run("annotations", "stats", path);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("erroneous sentences", table.Output, StringComparison.Ordinal);
        Assert.Contains("1 (33.33 %)", table.Output, StringComparison.Ordinal);
        Assert.Contains("object_hallucination", table.Output, StringComparison.Ordinal);

        var json = Run("annotations", "stats", path, "--json");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Output);
        var root = doc.RootElement;
        Assert.Equal((2, 3, 2, 1, 1), (root.GetProperty("descriptions").GetInt32(), root.GetProperty("sentences").GetInt32(), root.GetProperty("correct_sentences").GetInt32(), root.GetProperty("erroneous_sentences").GetInt32(), root.GetProperty("descriptions_with_error").GetInt32()));
        Assert.Equal(1, root.GetProperty("error_kinds").GetProperty("location").GetInt32());
        Assert.Equal(1.0 / 3, root.GetProperty("creativity_rate").GetDouble());
        Assert.Equal((1.5, 1, 2), (root.GetProperty("mean_sentences_per_description").GetDouble(), root.GetProperty("min_sentences_per_description").GetInt32(), root.GetProperty("max_sentences_per_description").GetInt32()));
        Assert.Equal(1, root.GetProperty("detail_histogram").GetProperty("3").GetInt32());
    }

    [Fact]
    public void Stats_of_an_invalid_file_is_an_error_naming_the_field()
    {
        var path = WriteFile(Dog.Replace("\"detail\":3", "\"detail\":7", StringComparison.Ordinal));

        var e = Assert.Throws<InvalidDataException>(() => Run("annotations", "stats", path));

        Assert.Equal($"{path}, line 1, detail: expected an integer from 1 to 5, found 7", e.Message);
    }

    private string WriteFile(params string[] lines)
    {
        var path = Path.Combine(_folder, "annotations.jsonl");
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static CommandAppResult Run(params string[] args)
    {
        var app = new CommandAppTester();
        app.Configure(VigorApp.Configure);
        return app.Run(args);
    }
}
