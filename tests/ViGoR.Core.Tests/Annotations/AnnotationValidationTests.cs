namespace ViGoR.Core.Tests.Annotations;

public sealed class AnnotationValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-annotations-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>One rule each: the edit of <see cref="AnnotationSamples.Dog"/> that breaks it, and the problem it gives.</summary>
    public static TheoryData<string, string, string> Rules() => new()
    {
        { "\"id\":\"d1\"", "\"id\":7", "id: expected a string, found 7" },
        { "\"id\":\"d1\"", "\"id\":\"\"", "id: must not be empty" },
        { "\"image\":\"dog.jpg\",", string.Empty, "image: missing; expected a string" },
        { "\"prompt\":\"Describe the image.\"", "\"prompt\":null", "prompt: expected a string, found null" },
        { "\"description\":\"A dog", "\"description\":[\"A dog\"],\"x\":\"", "description: expected a string, found an array" },
        { "\"sentences\":[", "\"sentences\":\"none\",\"x\":[", "sentences: expected an array of sentences, found a string" },
        { "{\"start\":0,\"end\":25,\"errors\":[]}", "25", "sentences[0]: expected an object, found 25" },
        { "\"start\":0,", string.Empty, "sentences[0].start: missing; expected an integer" },
        { "\"end\":25,", "\"end\":25.5,", "sentences[0].end: expected an integer, found 25.5" },
        { "\"start\":0,", "\"start\":-3,", "sentences[0].start: -3 is negative" },
        { "\"start\":26,\"end\":49", "\"start\":26,\"end\":26", "sentences[1].end: 26 is not after start (26)" },
        { "\"end\":80", "\"end\":120", "sentences[2].end: 120 is past the end of the description (80 characters)" },
        { "\"start\":26", "\"start\":20", "sentences[1].start: 20 overlaps the previous sentence (sentences[0] ends at 25)" },
        {
            "{\"start\":0,\"end\":25,\"errors\":[]},{\"start\":26,\"end\":49,",
            "{\"start\":26,\"end\":49,\"errors\":[]},{\"start\":0,\"end\":25,",
            "sentences[1].start: 0 is before the previous sentence (sentences[0] starts at 26); sentences must be in order"
        },
        { "\"end\":25,\"errors\":[]", "\"end\":25", "sentences[0].errors: missing; expected an array of error kinds (empty when the sentence is correct)" },
        { "[\"object_hallucination\"]", "[\"color\"]", "sentences[1].errors[0]: unknown error kind 'color' (expected one of object_hallucination, attribute, relationship, location, conjecture)" },
        { "[\"object_hallucination\"]", "[\"none\"]", "sentences[1].errors[0]: unknown error kind 'none' (expected one of object_hallucination, attribute, relationship, location, conjecture)" },
        { "[\"object_hallucination\"]", "[true]", "sentences[1].errors[0]: expected a string, found true" },
        { "[\"conjecture\"]", "[\"conjecture\",\"conjecture\"]", "sentences[2].errors[1]: 'conjecture' is listed twice" },
        { "\"creative\":true", "\"creative\":\"yes\"", "sentences[2].creative: expected true or false, found a string" },
        { "\"detail\":4", "\"detail\":6", "detail: expected an integer from 1 to 5, found 6" },
        { "\"detail\":4", "\"detail\":0", "detail: expected an integer from 1 to 5, found 0" },
        { "\"detail\":4", "\"detail\":2.5", "detail: expected an integer from 1 to 5, found 2.5" },
        { "[\"lamp\"]", "\"lamp\"", "missing: expected an array of strings, found a string" },
        { "[\"lamp\"]", "[\"lamp\",3]", "missing[1]: expected a string, found 3" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_names_file_line_and_field(string find, string replace, string expected)
    {
        var broken = AnnotationSamples.Dog.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(AnnotationSamples.Dog, broken);
        var text = AnnotationSamples.Sky + "\n" + broken + "\n";

        var e = Assert.Throws<InvalidDataException>(() => ViGoR.Annotations.Parse(text, "annotations.jsonl"));
        Assert.Equal($"annotations.jsonl, line 2, {expected}", e.Message);

        var file = ViGoR.Annotations.Parse(text, "annotations.jsonl", skipInvalid: true);
        var problem = Assert.Single(file.Problems);
        Assert.Equal(("annotations.jsonl", 2), (problem.File, problem.Line));
        Assert.Equal($"annotations.jsonl, line 2, {expected}", problem.ToString());
        Assert.Equal("d2", Assert.Single(file.Descriptions).Id);
    }

    [Fact]
    public void Ids_must_be_unique_across_the_file()
    {
        var text = string.Join('\n', AnnotationSamples.Dog, AnnotationSamples.Sky, AnnotationSamples.Dog.Replace("dog.jpg", "dog2.jpg", StringComparison.Ordinal));

        var e = Assert.Throws<InvalidDataException>(() => ViGoR.Annotations.Parse(text, "a.jsonl"));

        Assert.Equal("a.jsonl, line 3, id: 'd1' is already the id of line 1", e.Message);
    }

    [Fact]
    public void A_line_that_is_not_a_json_object_is_a_problem_without_a_field()
    {
        var text = AnnotationSamples.Sky + "\n{\"id\": \n[1, 2]\n";

        var e = Assert.Throws<InvalidDataException>(() => ViGoR.Annotations.Parse(text, "a.jsonl"));
        Assert.StartsWith("a.jsonl, line 2: not valid JSON (", e.Message, StringComparison.Ordinal);

        var problems = ViGoR.Annotations.Parse(text, "a.jsonl", skipInvalid: true).Problems;
        Assert.Equal([(2, string.Empty), (3, string.Empty)], problems.Select(p => (p.Line, p.Field)));
        Assert.Equal("a.jsonl, line 3: expected a JSON object, found Array", problems[1].ToString());
    }

    [Fact]
    public void Skip_invalid_keeps_the_valid_lines_and_collects_every_problem_in_order()
    {
        var twoProblems = AnnotationSamples.Dog
            .Replace("\"detail\":4", "\"detail\":9", StringComparison.Ordinal)
            .Replace("[\"conjecture\"]", "[\"guess\"]", StringComparison.Ordinal);
        var text = string.Join('\n', twoProblems, AnnotationSamples.Sky, "not json", AnnotationSamples.Bike, string.Empty, AnnotationSamples.Sky);

        var file = ViGoR.Annotations.Parse(text, "a.jsonl", skipInvalid: true);

        Assert.Equal(["d2", "d3"], file.Descriptions.Select(d => d.Id));
        Assert.Equal(
            [(1, "sentences[2].errors[0]"), (1, "detail"), (3, string.Empty), (6, "id")],
            file.Problems.Select(p => (p.Line, p.Field)));
    }

    [Fact]
    public void With_an_images_folder_every_image_must_exist()
    {
        var images = Path.Combine(_folder, "images");
        Directory.CreateDirectory(Path.Combine(images, "sub"));
        File.WriteAllBytes(Path.Combine(images, "dog.jpg"), [1]);
        File.WriteAllBytes(Path.Combine(images, "sub", "sky.jpg"), [1]);
        var path = Path.Combine(_folder, "a.jsonl");
        File.WriteAllText(path, string.Join('\n', AnnotationSamples.Dog, AnnotationSamples.Sky.Replace("sky.jpg", "sub/sky.jpg", StringComparison.Ordinal), AnnotationSamples.Bike));

        var file = ViGoR.Annotations.Read(path, images, skipInvalid: true);

        Assert.Equal(["d1", "d2"], file.Descriptions.Select(d => d.Id));
        Assert.Equal($"{path}, line 3, image: 'bike.jpg' does not exist in the images folder '{images}'", Assert.Single(file.Problems).ToString());
        Assert.Empty(ViGoR.Annotations.Read(path, skipInvalid: true).Problems);
        Assert.Throws<DirectoryNotFoundException>(() => ViGoR.Annotations.Read(path, Path.Combine(_folder, "no-such-folder")));
    }
}
