using System.Text.Json;
using Spectre.Console.Cli;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public class EvalCommandTests
{
    private const string Suffix = "\\nAnswer the question using a single word or phrase.";

    [Fact]
    public async Task Pope_scores_answers_and_writes_the_documented_json()
    {
        var dir = TempDirectory();
        var labels = Path.Combine(dir, "coco_pope_random.json");
        await File.WriteAllTextAsync(labels, """
            {"question_id": 1, "image": "a.jpg", "text": "Is there a dog in the image?", "label": "yes"}
            {"question_id": 2, "image": "a.jpg", "text": "Is there a cat in the image?", "label": "no"}
            {"question_id": 3, "image": "b.jpg", "text": "Is there a car in the image?", "label": "yes"}

            """);
        var questions = Path.Combine(dir, "questions.jsonl");
        await File.WriteAllTextAsync(questions, $$"""
            {"question_id": 20, "image": "a.jpg", "text": "Is there a cat in the image?{{Suffix}}", "category": "random"}
            {"question_id": 10, "image": "a.jpg", "text": "Is there a dog in the image?{{Suffix}}", "category": "random"}

            """);
        var answers = Path.Combine(dir, "answers.jsonl");
        await File.WriteAllTextAsync(answers, $$"""
            {"question_id": 20, "prompt": "Is there a cat in the image?{{Suffix}}", "text": "Yes, there is a cat."}
            {"question_id": 10, "prompt": "Is there a dog in the image?{{Suffix}}", "text": "Yes"}

            """);
        var json = Path.Combine(dir, "out", "pope.json");

        var code = await Run("eval", "pope", "--labels", labels, "--questions", questions, "--answers", answers, "--json", json);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var split = doc.RootElement.GetProperty("splits").GetProperty("random");
        Assert.Equal((1, 1, 0, 0), (split.GetProperty("tp").GetInt32(), split.GetProperty("fp").GetInt32(), split.GetProperty("tn").GetInt32(), split.GetProperty("fn").GetInt32()));
        Assert.Equal(0.5, split.GetProperty("accuracy").GetDouble());
        Assert.Equal(1, split.GetProperty("unanswered_labels").GetInt32());
        Assert.Equal(0.5, doc.RootElement.GetProperty("average").GetProperty("precision").GetDouble());
    }

    [Fact]
    public async Task Pope_reports_a_bad_answer_line_with_file_and_line_and_exit_code_1()
    {
        var dir = TempDirectory();
        var labels = Path.Combine(dir, "coco_pope_random.json");
        await File.WriteAllTextAsync(labels, "{\"question_id\": 1, \"image\": \"a.jpg\", \"text\": \"Is there a dog in the image?\", \"label\": \"yes\"}\n");
        var answers = Path.Combine(dir, "answers.jsonl");
        await File.WriteAllTextAsync(answers, "{\"image\": \"a.jpg\", \"question\": \"Is there a dog in the image?\", \"answer\": \"Yes\"}\nnot json\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Run("eval", "pope", "--labels", labels, "--answers", answers));

        Assert.Contains("answers.jsonl, line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mme_and_chair_write_json()
    {
        var dir = TempDirectory();
        var results = Directory.CreateDirectory(Path.Combine(dir, "mme")).FullName;
        await File.WriteAllTextAsync(Path.Combine(results, "existence.txt"), "a.jpg\tIs there a dog?\tYes\tYes\na.jpg\tIs there a cat?\tNo\tYes\n");
        var mmeJson = Path.Combine(dir, "mme.json");
        Assert.Equal(0, await Run("eval", "mme", "--results", results, "--json", mmeJson));
        using (var mme = JsonDocument.Parse(await File.ReadAllTextAsync(mmeJson)))
        {
            Assert.Equal(50.0, mme.RootElement.GetProperty("perception").GetDouble(), 9);
        }

        var caps = Path.Combine(dir, "caps.jsonl");
        await File.WriteAllTextAsync(caps, "{\"id\": \"000000000007\", \"captions\": [\"A dog on a bench.\"], \"instances\": [{\"category\": \"dog\", \"bbox\": [0, 0, 1, 1]}]}\n");
        var captions = Path.Combine(dir, "captions.jsonl");
        await File.WriteAllTextAsync(captions, "{\"image_id\": 7, \"text\": \"A dog and a cat sit on a bench.\"}\n");
        var chairJson = Path.Combine(dir, "chair.json");
        Assert.Equal(0, await Run("eval", "chair", "--captions", captions, "--caps-boxes", caps, "--json", chairJson));
        using var chair = JsonDocument.Parse(await File.ReadAllTextAsync(chairJson));
        Assert.Equal(1.0 / 3, chair.RootElement.GetProperty("chair_i").GetDouble(), 9);
        Assert.Equal(1.0, chair.RootElement.GetProperty("chair_s").GetDouble(), 9);
    }

    [Fact]
    public async Task Judge_verbs_require_an_endpoint()
    {
        var code = await Run("eval", "mmhal", "--responses", "r.json");
        Assert.NotEqual(0, code);
    }

    private static async Task<int> Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.PropagateExceptions();
            config.AddBranch("eval", EvalBranch.Configure);
        });
        try
        {
            return await app.RunAsync(args);
        }
        catch (CommandRuntimeException)
        {
            return 2;
        }
    }

    private static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vigor-cli-eval-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
