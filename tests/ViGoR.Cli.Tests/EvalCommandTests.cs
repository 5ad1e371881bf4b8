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

    [Fact]
    public async Task Rank_and_mmhal_reach_an_openai_compatible_endpoint_and_resume_from_the_journal()
    {
        var dir = TempDirectory();
        var a = Path.Combine(dir, "a.jsonl");
        var b = Path.Combine(dir, "b.jsonl");
        await File.WriteAllTextAsync(a, "{\"image_id\": 1, \"text\": \"A long and careful description of a dog.\"}\n{\"image_id\": 2, \"text\": \"A long and careful description of a cat.\"}\n");
        await File.WriteAllTextAsync(b, "{\"image_id\": 1, \"text\": \"A dog.\"}\n{\"image_id\": 2, \"text\": \"A cat.\"}\n{\"image_id\": 3, \"text\": \"A bus.\"}\n");
        var responses = Path.Combine(dir, "mmhal.json");
        await File.WriteAllTextAsync(responses, """[{"question_type": "counting", "image_content": ["Cat"], "question": "How many cats?", "gt_answer": "Two.", "model_answer": "Two."}]""");
        var journal = Path.Combine(dir, "rank.jsonl");
        var json = Path.Combine(dir, "rank.json");

        // A local stand-in for an OpenAI-compatible server: ranks longer descriptions first, rates 5.
        using var server = new FakeOpenAiServer();
        Assert.Equal(0, await Run("eval", "rank", "--descriptions", $"careful={a}", "--descriptions", $"terse={b}", "--endpoint", server.Endpoint, "--model", "judge", "--api-key-env", "VIGOR_TEST_NO_KEY", "--journal", journal, "--json", json));
        Assert.Equal(0, await Run("eval", "mmhal", "--responses", responses, "--endpoint", server.Endpoint, "--model", "judge", "--api-key-env", "VIGOR_TEST_NO_KEY"));

        Assert.Equal(3, server.Requests);
        using (var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json)))
        {
            Assert.Equal(1.0, doc.RootElement.GetProperty("average_ranks").GetProperty("careful").GetProperty("detail").GetDouble());
            Assert.Equal(2.0, doc.RootElement.GetProperty("average_ranks").GetProperty("terse").GetProperty("hallucination").GetDouble());
            Assert.Equal(2, doc.RootElement.GetProperty("judged").GetInt32());
        }

        // Resumed from the journal: no new request.
        Assert.Equal(0, await Run("eval", "rank", "--descriptions", $"careful={a}", "--descriptions", $"terse={b}", "--endpoint", server.Endpoint, "--model", "judge", "--api-key-env", "VIGOR_TEST_NO_KEY", "--journal", journal));
        Assert.Equal(3, server.Requests);
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

    private sealed class FakeOpenAiServer : IDisposable
    {
        private static readonly string[] Criteria = ["hallucination", "counting", "attributes", "relationships", "relevance", "reasoning", "detail"];
        private readonly System.Net.HttpListener _listener = new();
        private readonly Task _loop;
        private int _requests;

        public FakeOpenAiServer()
        {
            Endpoint = $"http://127.0.0.1:{FreePort()}/v1/";
            _listener.Prefixes.Add(Endpoint);
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose()
        {
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // The listener was closed under a pending GetContextAsync.
            }
        }

        private static int FreePort()
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                System.Net.HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                using var reader = new StreamReader(context.Request.InputStream);
                using var request = JsonDocument.Parse(await reader.ReadToEndAsync());
                var prompt = string.Concat(request.RootElement.GetProperty("messages").EnumerateArray().Select(Text));
                string reply;
                if (prompt.Contains("Rating: 6", StringComparison.Ordinal))
                {
                    reply = "Accurate and informative. Rating: 5, very informative, no hallucination";
                }
                else
                {
                    var labels = System.Text.RegularExpressions.Regex.Matches(prompt, "Description ([A-Z]):\n([^\n]*)")
                        .OrderByDescending(m => m.Groups[2].Value.Length).Select(m => $"\"{m.Groups[1].Value}\"");
                    reply = "{" + string.Join(", ", Criteria.Select(c => $"\"{c}\": [{string.Join(", ", labels)}]")) + "}";
                }

                var body = JsonSerializer.Serialize(new
                {
                    id = "chatcmpl-test",
                    @object = "chat.completion",
                    created = 0,
                    model = "judge",
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = reply }, finish_reason = "stop" } },
                    usage = new { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
                });
                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        private static string Text(JsonElement message)
        {
            var content = message.GetProperty("content");
            return content.ValueKind == JsonValueKind.String
                ? content.GetString()!
                : string.Concat(content.EnumerateArray().Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString()));
        }
    }

    private static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vigor-cli-eval-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
