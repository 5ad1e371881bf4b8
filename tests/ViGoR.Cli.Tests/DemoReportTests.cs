using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ViGoR.Cli.Commands;
using ViGoR.Cli.Demo.Report;
using ViGoR.Cli.Demo.Run;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Tests;

public sealed class DemoReportTests
{
    private static readonly Dictionary<string, IReadOnlyList<double>> NoPerSeed = [];

    [Fact]
    public void Renders_tables_claims_plots_and_an_example_as_one_offline_page()
    {
        var html = DemoReportWriter.Render(Model(Record("There is a cat. A dog sits on a mat.")));

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        Assert.Contains("Base LLaVA", html, StringComparison.Ordinal);
        Assert.Contains("ViGoR (both streams)", html, StringComparison.Ordinal);
        Assert.Contains("12.3 ± 1.5", html, StringComparison.Ordinal);
        Assert.Contains("8.0 ± 0.5", html, StringComparison.Ordinal);
        Assert.Contains("54.3 ± 2.1", html, StringComparison.Ordinal);
        Assert.Contains("pope_accuracy_random", html, StringComparison.Ordinal);
        Assert.Contains("—", html, StringComparison.Ordinal);

        Assert.Contains("✔", html, StringComparison.Ordinal);
        Assert.Contains("✘", html, StringComparison.Ordinal);
        Assert.Contains("CHAIRi drops", html, StringComparison.Ordinal);

        // Four metric bar charts and one histogram in the plots; the example's overlay is one more.
        Assert.Equal(4 + 1 + 1, Occurrences(html, "<svg"));
        Assert.Contains("automatic penalties (n = 5)", html, StringComparison.Ordinal);
        Assert.Equal(2, Occurrences(html, "<rect class=\"box gt\""));
        Assert.Equal(1, Occurrences(html, "<rect class=\"box det\""));

        Assert.Contains("<del>A dog sits on a mat.</del>", html, StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(html, "<li><del>")); // the legend's struck-through "sentence" aside
        Assert.Contains("automatic: dog", html, StringComparison.Ordinal);
        Assert.Contains("automatic −1.0 / +1.0", html, StringComparison.Ordinal);
        Assert.Contains("chosen</span>", html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"target\">There is a cat.</p>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Escapes_user_supplied_text()
    {
        var html = DemoReportWriter.Render(Model(Record("Look <script>alert(1)</script> here. A dog sits on a mat.")));

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Look &lt;script&gt;alert(1)&lt;/script&gt; here.", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_constant_distributions_and_failed_records_render()
    {
        var failed = new SupervisionRecord { ImageId = "img-2", Prompt = "Describe.", Status = SupervisionStatus.Failed, Error = "model error" };
        var model = Model(Record("A cat.")) with
        {
            RewardDistributions = new Dictionary<string, IReadOnlyList<double>> { ["automatic"] = [], ["reward_model"] = [2.0, 2.0, 2.0] },
            Examples = [new ReportExample("base", Png(), 4, 4, [], [], failed)],
        };

        var html = DemoReportWriter.Render(model);

        Assert.Contains("automatic penalties (n = 0)", html, StringComparison.Ordinal);
        Assert.Contains("reward_model penalties (n = 3)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", html, StringComparison.Ordinal);
        Assert.Contains("Failed: model error", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_replaces_the_file_through_a_temporary()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-report-").FullName;
        var path = Path.Combine(dir, "report.html");
        File.WriteAllText(path, "old");

        DemoReportWriter.Write(path, Model(Record("A cat.")));

        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Scenes_are_drawn_at_least_four_times_their_size_with_crisp_pixels()
    {
        var html = DemoReportWriter.Render(Model(Record("A cat.")));

        Assert.Contains(".frame img{display:block;width:100%;height:auto;image-rendering:pixelated}", html, StringComparison.Ordinal);
        var image = Regex.Match(html, @"<div class=""frame"" style=""width:(\d+)px""><img [^>]*width=""(\d+)"" height=""(\d+)""");
        Assert.True(image.Success, "the example's frame and image carry their drawn size");
        Assert.All(new[] { 1, 2, 3 }, g => Assert.True(int.Parse(image.Groups[g].Value, CultureInfo.InvariantCulture) >= 4 * 4, $"drawn at {image.Groups[g].Value} px for a 4 px scene"));
    }

    [Fact]
    public void Other_metrics_are_one_row_each_under_a_readable_name_and_one_column_per_configuration()
    {
        var html = DemoReportWriter.Render(Model(Record("A cat.")));

        var table = Regex.Match(html, "<h3>Other metrics</h3>\n<table>\n<thead><tr>(.*?)</tr></thead>(.*?)</table>", RegexOptions.Singleline);
        Assert.True(table.Success);
        Assert.Equal(1 + 2, Occurrences(table.Groups[1].Value, "<th")); // "Metric" and the two configurations
        Assert.Contains("<th scope=\"row\" title=\"pope_accuracy_random\">POPE accuracy, random (%)</th>", table.Groups[2].Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_configuration_is_named_in_full_under_its_bar_on_every_chart()
    {
        var names = new[] { "base", "vigor_at", "vigor_rm", "vigor_rm_holistic", "vigor_all" };
        var configs = names.Select(n => new ReportConfig(n, DemoResults.Label(n), new Dictionary<string, MetricSummary>
        {
            ["chair_i"] = new(0.3, 0.01), ["chair_s"] = new(0.5, 0.02), ["recall"] = new(0.7, 0.01), ["pope_f1"] = new(0.6, 0.01),
        }, NoPerSeed)).ToList();

        var html = DemoReportWriter.Render(Model(Record("A cat.")) with { Configs = configs });

        // A label's lines are tspans of one text element; read together, each is the full name.
        var labels = Regex.Matches(html, "<text class=\"tick bar-label\"[^>]*>(.*?)</text>")
            .Select(m => Regex.Replace(Regex.Replace(m.Groups[1].Value, "</tspan><tspan[^>]*>", " "), "<[^>]+>", ""))
            .ToList();
        Assert.Equal(4 * names.Length, labels.Count);
        foreach (var label in new[] { "Base", "ViGoR-AT", "ViGoR-RM", "ViGoR-RM holistic", "ViGoR-All" })
        {
            Assert.Equal(4, labels.Count(l => l == label));
        }
    }

    [Fact]
    public void A_legend_explains_every_signal_the_examples_show()
    {
        var html = DemoReportWriter.Render(Model(Record("There is a cat. A dog sits on a mat.")));

        var legend = Regex.Match(html, "<dl class=\"signal-legend\">(.*?)</dl>", RegexOptions.Singleline);
        Assert.True(legend.Success);
        foreach (var entry in new[] { "combined penalty", "combined bonus", "automatic −p / +b", "reward_model −p / +b", "<del>sentence</del>" })
        {
            Assert.Contains(entry, legend.Groups[1].Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Examples_are_named_by_seed_configuration_and_image()
    {
        var model = Model(Record("A cat."));
        var html = DemoReportWriter.Render(model with { Examples = [model.Examples[0] with { Config = "ViGoR-AT", Seed = 2 }] });

        Assert.Contains("<h3>Seed 2 · ViGoR-AT · img-1</h3>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_setup_names_the_base_model_and_detector_without_absolute_paths()
    {
        var folder = Directory.CreateTempSubdirectory("vigor-report-").FullName;
        try
        {
            var detector = Path.Combine(folder, "gdino-onnx");
            var settings = DemoSettings.Quick([1]) with { BaseModel = DemoCommand.CommittedModel, GroundingDino = detector };
            var notes = DemoCommand.Notes(new DemoRunner(Path.Combine(folder, "out"), settings, null), settings, [1]);

            var html = DemoReportWriter.Render(Model(Record("A cat.")) with { Setup = notes });

            Assert.DoesNotContain(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar), html, StringComparison.Ordinal);
            Assert.DoesNotContain(folder, html, StringComparison.Ordinal);
            Assert.Contains("Base model: the committed model, src/ViGoR.Cli/Demo/Model", html, StringComparison.Ordinal);
            Assert.Contains("Grounding DINO from gdino-onnx.", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_calibration_shows_each_target_with_its_measured_value_and_whether_it_held()
    {
        var calibration = new ReportCalibration(16,
        [
            new("chair_i", "CHAIRi between 10% and 25%.", 0.3854, false),
            new("pope_yes_ratio", "POPE yes-ratio at least 0.6.", 0.889, true),
            new("reward_model_roc_auc", "Held-out ROC AUC at least 0.85.", null, false),
        ]);

        var html = DemoReportWriter.Render(Model(Record("A cat.")) with { Calibration = calibration });

        var table = Regex.Match(html, "<table class=\"calibration\">(.*?)</table>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("<th scope=\"row\" title=\"chair_i\">CHAIRi between 10% and 25%.</th><td>38.5%</td><td><span class=\"badge not-held\">", table, StringComparison.Ordinal);
        Assert.Contains("<td>88.9%</td><td><span class=\"badge held\">", table, StringComparison.Ordinal);
        Assert.Contains("<td>not measured</td>", table, StringComparison.Ordinal);
        Assert.Contains("16 images per seed", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_configuration_has_a_supervision_table_from_samples_to_the_fine_tuned_model_with_its_weak_link()
    {
        var figures = new SupervisionDiagnostics
        {
            Images = 24,
            ImagesWithoutTarget = 7,
            Samples = new(120, 200, 100, 240, 120),
            BestOfK = new(24, 40, 10, 48, 36),
            Chosen = new(24, 30, 12, 48, 30),
            Targets = new(17, 20, 1, 34, 20),
            ChosenImages = 24,
            ChosenShortest = 22,
            RewardModelRocAuc = 0.514,
            RewardModelJudged = 437,
        };
        var model = Model(Record("A cat.")) with { Supervision = [new ReportSupervision("vigor", figures, new WeakLink("fine_tuning", "targets' CHAIRi 5.0% vs fine-tuned model's 8.1%", " (context)"))] };

        var html = DemoReportWriter.Render(model);

        var section = WebUtility.HtmlDecode(Regex.Match(html, "<section class=\"supervision\" id=\"supervision-vigor\">(.*?)</section>", RegexOptions.Singleline).Groups[1].Value);
        Assert.Contains("<h3>ViGoR (both streams)</h3>", section, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">All k samples</th><td>120</td><td>50.0</td><td>50.0</td></tr>", section, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Best of k (ground truth)</th><td>24</td><td>25.0</td><td>75.0</td></tr>", section, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Chosen samples</th><td>24</td><td>40.0</td><td>62.5</td></tr>", section, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Refined targets</th><td>17</td><td>5.0</td><td>58.8</td></tr>", section, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Fine-tuned model (test split)</th><td class=\"missing\">—</td><td title=\"per seed: 7.0, 8.0, 9.3\">8.1 ± 1.0</td>", section, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">Base model (test split)</th><td class=\"missing\">—</td><td>12.3 ± 1.5</td>", section, StringComparison.Ordinal);
        Assert.Contains("24 images, 7 left without a target; the chosen sample was the shortest for 22 of 24; reward model's ROC AUC against ground truth on what it judged: 0.51 (n = 437).", section, StringComparison.Ordinal);
        Assert.Contains("Weak link: <strong>fine-tuning</strong>. Targets' CHAIRi 5.0% vs fine-tuned model's 8.1% (context).", section, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signal_and_order_variants_are_one_row_each_with_their_targets()
    {
        SupervisionDiagnostics Figures(int withoutTarget, int hallucinated) => new()
        {
            Images = 10,
            ImagesWithoutTarget = withoutTarget,
            Samples = new(50, 100, 30, 60, 40),
            BestOfK = new(10, 20, 2, 12, 10),
            Chosen = new(10, 20, 6, 12, 9),
            Targets = new(10 - withoutTarget, 20, hallucinated, 12, 8),
            ChosenImages = 10,
            ChosenShortest = 3,
        };
        var model = Model(Record("A cat.")) with
        {
            Variants = new SortedDictionary<string, SupervisionDiagnostics>(StringComparer.Ordinal)
            {
                ["vigor/expected/select_then_refine"] = Figures(4, 1),
                ["vigor/label/refine_then_select"] = Figures(1, 2),
            },
        };

        var html = WebUtility.HtmlDecode(DemoReportWriter.Render(model));

        Assert.Contains("<h2>Reward signal and selection order (validation split)</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">ViGoR (both streams)</th><td>expected</td><td>select then refine</td><td>4 / 10</td><td>3 / 10</td><td>30.0</td><td>5.0</td><td>66.7</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><th scope=\"row\">ViGoR (both streams)</th><td>label</td><td>refine then select</td><td>1 / 10</td><td>3 / 10</td><td>30.0</td><td>10.0</td><td>66.7</td></tr>", html, StringComparison.Ordinal);
    }

    private static int Occurrences(string html, string text) => Regex.Count(html, Regex.Escape(text));

    private static byte[] Png() => new RgbImage("img-1", 4, 4, new byte[4 * 4 * 3]).EncodePng();

    private static DemoReportModel Model(SupervisionRecord record) => new(
        "ViGoR demo",
        [1, 2, 3],
        ["world: ShapesWorld, 60 images", "model: tiny LLaVA"],
        [
            new ReportConfig("base", "Base LLaVA", new Dictionary<string, MetricSummary>
            {
                ["chair_i"] = new(0.123, 0.015),
                ["chair_s"] = new(0.4, 0.02),
                ["words"] = new(8.0, 0.5),
                ["pope_f1"] = new(0.5432, 0.021),
                ["pope_accuracy_random"] = new(0.61, 0.01),
            }, NoPerSeed),
            new ReportConfig("vigor", "ViGoR (both streams)", new Dictionary<string, MetricSummary>
            {
                ["chair_i"] = new(0.081, 0.01),
                ["chair_s"] = new(0.3, 0.03),
                ["recall"] = new(0.7, 0.05),
                ["words"] = new(9.5, 1.0),
                ["pope_f1"] = new(0.6, 0.02),
            }, new Dictionary<string, IReadOnlyList<double>> { ["chair_i"] = [0.07, 0.08, 0.093] }),
        ],
        [
            new ReportClaim("chair", "CHAIRi drops with ViGoR", true, "12.3 → 8.1"),
            new ReportClaim("pope", "POPE F1 rises by 5 points", false, "+5.7, within noise"),
        ],
        new Dictionary<string, IReadOnlyList<double>> { ["automatic"] = [0, 1, 1, 2, 3] },
        [
            new ReportExample(
                "vigor",
                Png(),
                4,
                4,
                [new ReportBox("cat", 0, 0, 2, 2), new ReportBox("mat", 1, 2, 4, 4)],
                [new ReportBox("cat", 0.2, 0.1, 2.1, 2.2)],
                record),
        ]);

    private static SupervisionRecord Record(string chosenText)
    {
        var sentences = Regex.Split(chosenText, @"(?<=\.) ").Select((text, i) => new SentenceRecord
        {
            Text = text,
            Signals = new Dictionary<string, SentenceSignal>
            {
                ["automatic"] = text.Contains("dog", StringComparison.Ordinal) ? new() { Penalty = 1, Bonus = 1, Evidence = new AutomaticEvidence { Missing = ["dog"] }.ToEvidence() } : new() { Bonus = 1 },
                ["reward_model"] = new(),
            },
        }).ToList();
        var dogIndex = sentences.FindIndex(s => s.Text.Contains("dog", StringComparison.Ordinal));
        return new SupervisionRecord
        {
            ImageId = "img-1",
            Prompt = "Describe the image.",
            Status = SupervisionStatus.Ok,
            Chosen = 1,
            Target = "There is a cat.",
            Samples =
            [
                new SampleRecord
                {
                    Index = 0,
                    Text = "A dog sits on a mat.",
                    Streams = new Dictionary<string, StreamTotals> { ["automatic"] = new(2, 0) },
                    CombinedPenalty = 1.5,
                    Sentences = [new SentenceRecord { Text = "A dog sits on a mat.", Signals = new Dictionary<string, SentenceSignal> { ["automatic"] = new() { Penalty = 2 } } }],
                },
                new SampleRecord
                {
                    Index = 1,
                    Text = chosenText,
                    Streams = new Dictionary<string, StreamTotals> { ["automatic"] = new(1, 2) },
                    CombinedPenalty = 0.5,
                    CombinedBonus = 2,
                    Rank = 0,
                    Sentences = sentences,
                },
            ],
            Dropped = dogIndex < 0 ? [] :
            [
                new DroppedSentence(dogIndex, sentences[dogIndex].Text, new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["automatic"] = ["dog"] }),
            ],
        };
    }
}
