using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ViGoR.Cli.Tests;

/// <summary>
/// <c>vigor annotate</c> end to end, in Debian's headless Chromium driven by Playwright (its driver
/// ships in the NuGet package; the browser is the system's, never downloaded): three descriptions
/// labelled with the keyboard only, a reload that resumes, the server killed (SIGKILL) mid-session
/// and restarted with nothing acknowledged lost, and the output validated and trained on.
/// </summary>
public sealed class AnnotateBrowserTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava");
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-annotate-e2e-").FullName;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Process? _server;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run installs it).");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async Task DisposeAsync()
    {
        StopServer();
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Three_descriptions_labelled_by_keyboard_survive_a_reload_and_a_kill_and_train_a_reward_model()
    {
        var (samples, images, labels) = Setup();
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } });
        await page.GotoAsync((await StartServerAsync(samples, images, labels)).ToString());
        await Ready(page, "img00-0");
        Assert.Contains("0 / 4 labelled", await page.InnerTextAsync("#progress"), StringComparison.Ordinal);
        Assert.Contains("object hallucination", await page.InnerTextAsync("#help"), StringComparison.Ordinal); // the shortcuts are on the page

        // 1: "A red square is in the middle. A dog sits in the corner." correct, then object hallucination; detail 3; a missing object.
        await Keys(page, "c", "ArrowDown", "1", "Shift+Digit3", "o");
        await page.Keyboard.TypeAsync("triangle");
        await Keys(page, "Enter", "Enter");
        await Saved(page, "img00-0#0", next: "img00-1");

        // Reload: the page resumes at the first unlabelled description.
        await page.ReloadAsync();
        await Ready(page, "img00-1");
        Assert.Contains("1 / 4 labelled", await page.InnerTextAsync("#progress"), StringComparison.Ordinal);

        // 2: "The background is blue. The square is purple." merged into one span, marked attribute and creative.
        await Keys(page, "m", "2", "i", "Enter");
        await Saved(page, "img00-1#0", next: "img01-0");

        // Kill the server mid-session (no shutdown), restart it: the acknowledged labels are all there.
        StopServer();
        await page.GotoAsync((await StartServerAsync(samples, images, labels)).ToString());
        await Ready(page, "img01-0");
        Assert.Contains("2 / 4 labelled", await page.InnerTextAsync("#progress"), StringComparison.Ordinal);

        // 3: "A purple circle is on the left. There is one shape." its second sentence split after "There is", then labelled.
        await Keys(page, "ArrowDown", "s", "ArrowLeft", "ArrowRight", "Enter");
        Assert.Equal(3, await page.Locator("#sentences li").CountAsync());
        await Keys(page, "k", "2", "j", "4", "j", "c", "Shift+Digit4");
        var screenshot = Path.Combine(AppContext.BaseDirectory, "annotate-screenshot.png");
        await page.ScreenshotAsync(new() { Path = screenshot });
        output.WriteLine($"Screenshot: {screenshot}");
        await Keys(page, "Enter");
        await Saved(page, "img01-0#0", next: "img01-1");
        StopServer();

        // The file: what was typed, valid by `annotations validate`, and a reward model trains on it.
        var file = Annotations.Read(labels, images);
        Assert.Equal(["img00-0", "img00-1", "img01-0"], file.Descriptions.Select(d => d.Id));
        Assert.Equal(["", "object_hallucination"], file.Descriptions[0].Sentences.Select(Errors));
        Assert.Equal((3, "triangle"), (file.Descriptions[0].Detail, file.Descriptions[0].Missing![0]));
        var merged = Assert.Single(file.Descriptions[1].Sentences);
        Assert.Equal(("The background is blue. The square is purple.", "attribute", true), (file.Descriptions[1].SentenceText(0), Errors(merged), merged.Creative));
        Assert.Equal(["A purple circle is on the left.", "There is", "one shape."], Enumerable.Range(0, 3).Select(file.Descriptions[2].SentenceText));
        Assert.Equal(["attribute", "location", ""], file.Descriptions[2].Sentences.Select(Errors));
        Assert.Equal(0, await VigorApp.Create().RunAsync(["annotations", "validate", labels, "--images", images]));

        var model = Path.Combine(_folder, "rm");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["train-reward", "--base", Path.Combine(Fixtures, "hf"), "--annotations", labels, "--images", images,
            "--out", model, "--epochs", "1", "--batch-size", "4", "--eval-fraction", "0.3"]));
        Assert.True(File.Exists(Path.Combine(model, "vigor_reward.json")));
    }

    [Fact]
    public async Task With_a_token_the_printed_address_works_in_the_browser_and_a_bare_one_does_not()
    {
        var (samples, images, labels) = Setup();
        var url = await StartServerAsync(samples, images, labels, "--token", "e2e-secret");
        Assert.Equal("?token=e2e-secret", url.Query);

        // The printed address carries the token once; the page's own requests then go with the cookie.
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(url.ToString());
        await Ready(page, "img00-0");
        await Keys(page, "c", "j", "c", "Enter");
        await Saved(page, "img00-0#0", next: "img00-1");

        // Another browser (no cookie) at the bare address is refused, and so are its images.
        await using var stranger = await _browser.NewContextAsync();
        var other = await stranger.NewPageAsync();
        var bare = url.GetLeftPart(UriPartial.Path);
        Assert.Equal(401, (await other.GotoAsync(bare))!.Status);
        Assert.Equal(401, (await other.GotoAsync(bare + "images/img00.png"))!.Status);
        StopServer();
        Assert.Single(Annotations.Read(labels).Descriptions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Assist_shows_the_journals_signals_beside_each_sentence_only_when_asked(bool assist)
    {
        var (_, images, labels) = Setup();
        var sentence = new SentenceRecord
        {
            Start = 31, End = 56, Text = "A dog sits in the corner.",
            Signals = new Dictionary<string, SentenceSignal>
            {
                ["automatic"] = new() { Evidence = new AutomaticEvidence { Found = [], Missing = ["dog"] }.ToEvidence() },
                ["reward_model"] = new() { Evidence = new RewardModelEvidence { Score = -0.8, LabelScore = -1, Error = SentenceErrorKind.ObjectHallucination }.ToEvidence() },
            },
        };
        var record = new SupervisionRecord
        {
            ImageId = "img00", Image = Path.Combine(images, "img00.png"), Prompt = "Describe the image.", Status = SupervisionStatus.Scored,
            Samples = [new SampleRecord { Index = 0, Text = "A red square is in the middle. A dog sits in the corner.", Sentences = [sentence] }],
        };
        var journal = Path.Combine(_folder, "scores.jsonl");
        await File.WriteAllTextAsync(journal, JsonSerializer.Serialize(record, JournalJson.Options) + "\n");
        var url = await StartServerAsync("--journal", journal, images, labels, assist ? ["--assist"] : []);

        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(url.ToString());
        await Ready(page, "img00-0");

        if (assist)
        {
            Assert.Equal("detector missed: dog · reward model: -1 object_hallucination", await page.Locator("#sentences li:nth-child(2) .assist").InnerTextAsync());
        }
        else
        {
            Assert.Equal(0, await page.Locator(".assist").CountAsync());
        }
    }

    private static string Errors(AnnotatedSentence s) => string.Join(',', s.Errors.Select(SentenceErrorKindNames.ToName));

    private (string Samples, string Images, string Labels) Setup()
    {
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        File.Copy(Path.Combine(Fixtures, "image0.png"), Path.Combine(images, "img00.png"));
        File.Copy(Path.Combine(Fixtures, "image1.png"), Path.Combine(images, "img01.png"));
        var samples = Path.Combine(_folder, "samples.jsonl");
        File.WriteAllLines(samples, [
            JsonSerializer.Serialize(new { image = "img00.png", prompt = "Describe the image.", samples = new[] { "A red square is in the middle. A dog sits in the corner.", "The background is blue. The square is purple." } }),
            JsonSerializer.Serialize(new { image = "img01.png", prompt = "Describe the image.", samples = new[] { "A purple circle is on the left. There is one shape.", "Nothing else is visible." } }),
        ]);
        return (samples, images, Path.Combine(_folder, "labels.jsonl"));
    }

    private Task<Uri> StartServerAsync(string samples, string images, string labels, params string[] extra) =>
        StartServerAsync("--samples", samples, images, labels, extra);

    private async Task<Uri> StartServerAsync(string inputFlag, string input, string images, string labels, string[] extra)
    {
        _server = VigorProcess.Start(["annotate", inputFlag, input, "--images", images, "--out", labels, "--annotator", "e2e", "--port", "0", .. extra]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await _server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            output.WriteLine(line);
            if (line.StartsWith("Open ", StringComparison.Ordinal))
            {
                return new Uri(line["Open ".Length..]);
            }
        }

        throw new InvalidOperationException($"vigor annotate stopped before serving: {await _server.StandardError.ReadToEndAsync()}");
    }

    private void StopServer()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(); // SIGKILL: no shutdown, no flush: only what was already on disk survives
            _server.WaitForExit();
        }

        _server?.Dispose();
        _server = null;
    }

    private static async Task Keys(IPage page, params string[] keys)
    {
        foreach (var key in keys)
        {
            await page.Keyboard.PressAsync(key);
        }
    }

    private static async Task Ready(IPage page, string id) =>
        await page.WaitForFunctionAsync("id => document.body.dataset.ready === 'true' && document.body.dataset.itemId === id", id, new() { Timeout = 15000 });

    private static async Task Saved(IPage page, string saved, string next)
    {
        await page.WaitForFunctionAsync("([saved, next]) => document.body.dataset.lastSaved === saved && document.body.dataset.itemId === next", new[] { saved, next }, new() { Timeout = 15000 });
        Assert.Contains("saved", await page.InnerTextAsync("#status"), StringComparison.Ordinal);
    }
}
