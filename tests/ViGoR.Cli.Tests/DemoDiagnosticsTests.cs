using ViGoR.Cli.Demo.Run;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Tests;

/// <summary>The demo's weak links and likely causes, stated from supervision figures.</summary>
public sealed class DemoDiagnosticsTests
{
    // Test-split CHAIRi and recall of the fine-tuned models; the base's is 40%.
    private static readonly Dictionary<string, double> ChairI = new(StringComparer.Ordinal)
    {
        ["base"] = 0.40, ["vigor_at"] = 0.35, ["vigor_rm"] = 0.20, ["vigor_rm_holistic"] = 0.45, ["vigor_all"] = 0.38,
    };

    private static readonly DemoDiagnostics Diagnostics = new(0.7, new Dictionary<string, SupervisionDiagnostics>(StringComparer.Ordinal)
    {
        // Clean targets, a model that did not learn them.
        ["vigor_at"] = Figures(best: 0.25, chosen: 0.30, targets: 0.02),
        // A chosen sample far from the best of k, refined well, learnt well.
        ["vigor_rm"] = Figures(best: 0.05, chosen: 0.40, targets: 0.10, auc: 0.61),
        // Refinement that keeps what it was given.
        ["vigor_rm_holistic"] = Figures(best: 0.25, chosen: 0.42, targets: 0.42, auc: 0.55),
        // Nothing left to fine-tune on.
        ["vigor_all"] = Figures(best: 0.25, chosen: 0.30, targets: null),
    });

    [Fact]
    public void The_weak_link_is_the_stage_that_loses_most_CHAIRi_points_and_says_its_figures()
    {
        var at = Diagnostics.WeakLinkOf("vigor_at", Mean);
        Assert.Equal("fine_tuning", at.Stage);
        Assert.Equal("targets' CHAIRi 2.0% vs fine-tuned model's 35.0% (test split; base 40.0%): fine-tuning is the weak link", at.Explanation);

        var rm = Diagnostics.WeakLinkOf("vigor_rm", Mean);
        Assert.Equal("selection", rm.Stage); // 35 points off the best of k, against 10 left in the targets and 10 lost in fine-tuning
        Assert.Equal("chosen samples' CHAIRi 40.0% against 5.0% for the ground-truth best of k (all samples 50.0%): selection is the weak link (the reward model ranks wrong above right sentences with ROC AUC 0.61, n = 100)", rm.Explanation);

        var holistic = Diagnostics.WeakLinkOf("vigor_rm_holistic", Mean);
        Assert.Equal("refinement", holistic.Stage);
        Assert.EndsWith("refinement is the weak link (the reward model ranks wrong above right descriptions with ROC AUC 0.55, n = 100)", holistic.Explanation, StringComparison.Ordinal);

        var all = Diagnostics.WeakLinkOf("vigor_all", Mean);
        Assert.Equal("refinement", all.Stage);
        Assert.StartsWith("refinement left no image a target (0 of 10)", all.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Likely_causes_name_the_weak_links_of_the_configurations_a_claim_is_about()
    {
        Assert.Null(Diagnostics.LikelyCause("all_chair_i_30pct_lower", held: true, Mean));
        Assert.StartsWith("ViGoR-All: refinement left no image a target", Diagnostics.LikelyCause("all_chair_i_30pct_lower", held: false, Mean), StringComparison.Ordinal);

        // Only the single streams that did not beat the base (40%): ViGoR-RM holistic (45%), not ViGoR-AT (35%) or ViGoR-RM (20%).
        var streams = Diagnostics.LikelyCause("each_stream_beats_base", held: false, Mean)!;
        Assert.StartsWith("ViGoR-RM holistic: targets' CHAIRi 42.0%", streams, StringComparison.Ordinal);
        Assert.DoesNotContain("ViGoR-AT", streams, StringComparison.Ordinal);

        // ViGoR-RM hallucinates least; its targets are set against ViGoR-All's.
        Assert.StartsWith("ViGoR-RM's targets have CHAIRi 10.0% (10/10 images kept one); ViGoR-All kept no target (0/10). ViGoR-All: refinement left no image a target", Diagnostics.LikelyCause("all_hallucinates_least", held: false, Mean), StringComparison.Ordinal);

        Assert.Equal(
            "Object recall: all samples 50.0%, chosen 50.0%, targets none (0/10 images kept one), fine-tuned model 30.0% (test split; base 60.0%): refinement loses most (50.0 points).",
            Diagnostics.LikelyCause("all_recall_within_10pct", held: false, Mean));
    }

    [Fact]
    public void The_results_node_holds_every_configurations_counts_rates_and_weak_link()
    {
        var node = Diagnostics.Json(Mean);

        Assert.Equal(["vigor_at", "vigor_rm", "vigor_rm_holistic", "vigor_all"], node.Select(kv => kv.Key));
        var rm = node["vigor_rm"]!;
        Assert.Equal(10, rm["images"]!.GetValue<int>());
        Assert.Equal(0.40, rm["chosen"]!["chair_i"]!.GetValue<double>(), 12);
        Assert.Equal(40, rm["chosen"]!["hallucinated"]!.GetValue<int>());
        Assert.Equal(0.05, rm["best_of_k"]!["chair_i"]!.GetValue<double>(), 12);
        Assert.Equal(0.61, rm["reward_model_roc_auc"]!.GetValue<double>());
        Assert.Equal("selection", rm["weak_link"]!.GetValue<string>());
        Assert.Null(node["vigor_at"]!["reward_model_roc_auc"]);
        Assert.Equal(3, node["vigor_at"]!["chosen_shortest"]!["count"]!.GetValue<int>());
    }

    private static double Mean(string config, string metric) => metric switch
    {
        "chair_i" => ChairI[config],
        "recall" => config == "base" ? 0.6 : 0.3,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>Ten images, k = 5, 100 mentions per stage with the given hallucinated share; recall 50% everywhere. No targets: none kept one.</summary>
    private static SupervisionDiagnostics Figures(double best, double chosen, double? targets, double? auc = null) => new()
    {
        Images = 10,
        ImagesWithoutTarget = targets is null ? 10 : 0,
        Samples = new(50, 100, 50, 100, 50),
        BestOfK = new(10, 100, (int)Math.Round(best * 100), 100, 50),
        Chosen = new(10, 100, (int)Math.Round(chosen * 100), 100, 50),
        Targets = targets is { } t ? new(10, 100, (int)Math.Round(t * 100), 100, 50) : new(0, 0, 0, 0, 0),
        ChosenImages = 10,
        ChosenShortest = 3,
        RewardModelRocAuc = auc,
        RewardModelJudged = auc is null ? 0 : 100,
    };
}
