using Spectre.Console.Cli;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli;

/// <summary>The vigor command tree; each verb lives in Commands/&lt;Verb&gt;Command.cs.</summary>
internal static class VigorApp
{
    public static CommandApp Create() => Create(null);

    /// <summary>The command tree with a host's registrations (<see cref="Pipeline.CliExtensions"/>), e.g. a plug-in stream's factory for <c>run --stream</c>.</summary>
    public static CommandApp Create(Action<ViGoRBuilder>? extensions)
    {
        var app = new CommandApp();
        app.Configure(config => Configure(config, extensions));
        return app;
    }

    public static void Configure(IConfigurator config) => Configure(config, null);

    private static void Configure(IConfigurator config, Action<ViGoRBuilder>? extensions)
    {
        config.SetApplicationName("vigor");
        config.SetApplicationVersion(VersionCommand.Version); // `vigor --version`, as every .NET tool answers
        config.PropagateExceptions();

        // The method.
        config.AddCommand<DemoCommand>("demo").WithDescription("Run the whole ViGoR method in miniature on ShapesWorld with the committed tiny LLaVA: calibration, annotation, reward models, the paper's four configurations, fine-tuning and evaluation; writes report.html and results.json.");
        config.AddCommand<RunCommand>("run").WithDescription("Run the ViGoR method: sample k, score, select, refine, journal, fine-tune.")
            .WithData(extensions is null ? null! : new Pipeline.CliExtensions(extensions));
        config.AddCommand<MergeCommand>("merge").WithDescription("Join the scores journals of --num-chunks jobs and select over all of them.");
        config.AddBranch("export", ExportBranch.Configure);

        // Its parts.
        config.AddCommand<GenerateCommand>("generate").WithDescription("Sample k descriptions per image from a LLaVA folder into JSON Lines (resumable).");
        config.AddCommand<NounsCommand>("nouns").WithDescription("List the visual nouns of each caption in a JSON Lines file (sentences, lemmas, thing/stuff, counts, negation, hedging).");
        config.AddCommand<DetectCommand>("detect").WithDescription("Find phrases in an image with Grounding DINO (ONNX) or ground-truth boxes; print, --json, --draw.");
        config.AddCommand<TrainRewardCommand>("train-reward").WithDescription("Train the reward model on fine-grained annotations (or --holistic), with held-out metrics in metrics.json.");
        config.AddCommand<ScoreCommand>("score").WithDescription("Judge every sentence of recorded samples with a reward model, in the format vigor run --judgements replays.");
        config.AddCommand<ShapesWorldCommand>("shapesworld").WithDescription("Write a ShapesWorld split: small synthetic scenes of COCO objects with boxes, reference captions and POPE questions.");
        config.AddCommand<ProbeCommand>("probe").WithDescription("Measure what a LLaVA folder's vision tower sees: a linear probe per ShapesWorld category on its pooled features (ROC AUC).");
        config.AddCommand<PretrainCommand>("pretrain").WithDescription("Pre-train the tiny ShapesWorld LLaVA the demo starts from (captions of which a fraction hallucinate).");
        config.AddCommand<FinetuneCommand>("finetune").WithDescription("Fine-tune a LLaVA folder on the refined targets of a supervision journal (progress, Ctrl+C, resume).");

        // The reward model's training data.
        config.AddCommand<AnnotateCommand>("annotate").WithDescription("Label descriptions sentence by sentence in a local web page (keyboard-first), for reward-model training; resumable, one output per annotator.");
        config.AddBranch("annotations", AnnotationsBranch.Configure);

        // Evaluation.
        config.AddBranch("eval", EvalBranch.Configure);

        config.AddCommand<VersionCommand>("version").WithDescription("Print the vigor version.");
    }
}
