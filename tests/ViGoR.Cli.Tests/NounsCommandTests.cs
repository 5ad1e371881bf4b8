using System.Text;
using System.Text.Json;
using Spectre.Console.Cli;
using ViGoR.Cli.Commands;
using ViGoR.Nlp;

namespace ViGoR.Cli.Tests;

public class NounsCommandTests
{
    // Instruction1_llava.jsonl ids 0 and 1 (RUCAIBox/POPE caption_data, MIT licence, Copyright (c) 2023 RUCAIBox).
    private const string Input = """
        {"id": 0, "image_id": 40468, "model": "llava", "text": "The image features a man sitting on a surfboard in the ocean, wearing a wetsuit. He appears to be waiting for the next wave."}
        {"id": "1" "text": "broken"}
        {"id": 2, "caption": "no text field"}

        {"id": "zebras", "text": "There are three zebras in total, and there are no people."}
        """;

    [Fact]
    public async Task Writes_the_documented_json_lines_and_reports_malformed_lines_by_number()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-nouns-").FullName;
        var input = Path.Combine(dir, "captions.jsonl");
        await File.WriteAllTextAsync(input, Input);
        var output = Path.Combine(dir, "out", "nouns.jsonl");
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        int code;
        try
        {
            code = await Run("nouns", "--input", input, "--output", output);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(0, code);
        var report = errors.ToString();
        Assert.Contains("captions.jsonl, line 2: not valid JSON", report, StringComparison.Ordinal);
        Assert.Contains("captions.jsonl, line 3: needs a \"text\" string", report, StringComparison.Ordinal);
        Assert.Contains("2 of 5 lines written, 2 skipped", report, StringComparison.Ordinal);

        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal(0, first.RootElement.GetProperty("id").GetInt32());
        var sentences = first.RootElement.GetProperty("sentences");
        Assert.Equal(2, sentences.GetArrayLength());
        var s0 = sentences[0];
        Assert.Equal("The image features a man sitting on a surfboard in the ocean, wearing a wetsuit.", s0.GetProperty("text").GetString());
        Assert.Equal((0, 80), (s0.GetProperty("start").GetInt32(), s0.GetProperty("end").GetInt32()));
        var man = s0.GetProperty("nouns")[0];
        Assert.Equal(["text", "lemma", "kind", "count", "negated", "hedged", "start", "end"], man.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("man", "man", "thing", 1, false, false, 21, 24), (man.GetProperty("text").GetString(), man.GetProperty("lemma").GetString(), man.GetProperty("kind").GetString(), man.GetProperty("count").GetInt32(), man.GetProperty("negated").GetBoolean(), man.GetProperty("hedged").GetBoolean(), man.GetProperty("start").GetInt32(), man.GetProperty("end").GetInt32()));
        var ocean = s0.GetProperty("nouns")[2];
        Assert.Equal(("stuff", JsonValueKind.Null), (ocean.GetProperty("kind").GetString(), ocean.GetProperty("count").ValueKind));
        Assert.True(sentences[1].GetProperty("nouns")[0].GetProperty("hedged").GetBoolean());

        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("zebras", second.RootElement.GetProperty("id").GetString());
        var nouns = second.RootElement.GetProperty("sentences")[0].GetProperty("nouns");
        Assert.Equal(3, nouns[0].GetProperty("count").GetInt32());
        Assert.Equal(("person", true), (nouns[1].GetProperty("lemma").GetString(), nouns[1].GetProperty("negated").GetBoolean()));
    }

    [Fact]
    public void Run_writes_one_line_per_valid_input_line_to_any_stream()
    {
        using var output = new MemoryStream();
        var errors = new StringWriter();
        var summary = NounsCommand.Run(new WordNetNounExtractor(), new StringReader(Input), "in.jsonl", output, errors, CancellationToken.None);
        Assert.Equal((5, 2, 2), (summary.Lines, summary.Written, summary.Skipped));
        Assert.Equal(2, Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Missing_input_is_a_clear_error()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => Run("nouns", "--input", "no-such-captions.jsonl"));
        Assert.Contains("no-such-captions.jsonl", e.Message, StringComparison.Ordinal);
    }

    private static Task<int> Run(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(c =>
        {
            c.PropagateExceptions();
            c.AddCommand<NounsCommand>("nouns");
        });
        return app.RunAsync(args);
    }
}
