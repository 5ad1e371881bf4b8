using Spectre.Console.Cli;
using ViGoR.Cli;
using ViGoR.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("vigor");
    config.PropagateExceptions();
    config.AddCommand<VersionCommand>("version").WithDescription("Print the vigor version.");
    config.AddCommand<DemoCommand>("demo").WithDescription("Run the ViGoR pipeline on the embedded default (3 COCO images, 5 real LVLM descriptions each).");
    config.AddCommand<RunCommand>("run").WithDescription("Run the ViGoR method: sample k, score, select, refine, journal, fine-tune.");
    config.AddCommand<MergeCommand>("merge").WithDescription("Join the supervision journals of --num-chunks jobs.");
    config.AddCommand<DetectCommand>("detect").WithDescription("Find phrases in an image with Grounding DINO (ONNX) or ground-truth boxes; print, --json, --draw.");
    config.AddCommand<FinetuneCommand>("finetune").WithDescription("Fine-tune a LLaVA folder on the refined targets of a supervision journal (progress, Ctrl+C, resume).");
    config.AddCommand<NounsCommand>("nouns").WithDescription("List the visual nouns of each caption in a JSON Lines file (sentences, lemmas, thing/stuff, counts, negation, hedging).");
    config.AddBranch("eval", EvalBranch.Configure);
    config.AddCommand<GenerateCommand>("generate").WithDescription("Sample k descriptions per image from a LLaVA folder into JSON Lines (resumable).");
    // Each verb lives in Commands/<Verb>Command.cs; register it here.
});

return await CliHost.RunAsync(app, args);
