using Microsoft.Extensions.DependencyInjection;
using ViGoR.Torch.Rewards;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Rewards;

public sealed class LlavaQuestionAnswererTests
{
    private static readonly string[] Questions = ["Is there a dog in the image?", "Is there a cat in the image?", "Is there a traffic light in the image?"];

    [Fact]
    public void A_question_is_asked_as_LLaVAs_POPE_evaluation_asks_it_in_the_models_template()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace, ConversationMode.VicunaV1);
        using var answerer = new LlavaQuestionAnswerer(model);

        Assert.Equal(
            ConversationTemplate.VicunaSystem + " USER: <image>\nIs there a dog in the image?\nAnswer the question using a single word or phrase. ASSISTANT:",
            answerer.BuildPrompt("Is there a dog in the image?"));
    }

    [Fact]
    public async Task One_pass_over_all_questions_equals_a_forward_per_question_and_yes_and_no_share_the_mass()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace); // random weights: every question gets its own answer
        using var answerer = new LlavaQuestionAnswerer(model);
        var image = ImageInput.FromFile(TinyLlava.Image(1));

        var batched = await answerer.AnswerAsync(image, Questions);
        var apart = await answerer.AnswerAsync(image, Questions, onePass: false, CancellationToken.None);
        var alone = new List<YesNoAnswer>();
        foreach (var question in Questions)
        {
            alone.Add(Assert.Single(await answerer.AnswerAsync(image, [question])));
        }

        Assert.Equal(Questions.Length, batched.Count);
        for (int i = 0; i < Questions.Length; i++)
        {
            Assert.Equal(apart[i].Yes, batched[i].Yes, 1e-5);
            Assert.Equal(alone[i].Yes, batched[i].Yes, 1e-5);
            Assert.Equal(apart[i].YesLogit, batched[i].YesLogit, 1e-4f);
            Assert.InRange(batched[i].Yes, 0, 1);
            Assert.Equal(1, batched[i].Yes + batched[i].No, 1e-6); // renormalised in float32

            // P(yes) renormalised over the two replies is the logistic of their logits' difference.
            Assert.Equal(1 / (1 + Math.Exp(batched[i].NoLogit - batched[i].YesLogit)), batched[i].Yes, 1e-5);
        }

        Assert.NotEqual(batched[0].Yes, batched[1].Yes); // the questions are read apart, not one answer repeated
        Assert.Equal(batched.Select(a => a.Yes), await answerer.ProbabilityOfYesAsync(image, Questions));
    }

    [Fact]
    public async Task A_model_taught_to_answer_yes_and_no_is_read_at_its_first_reply_token()
    {
        // Teach the tiny LLaVA POPE-style answers with this library's fine-tuner, then ask it.
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        using var answerer = new LlavaQuestionAnswerer(model);
        var image = ImageInput.FromFile(TinyLlava.Image(0));
        var suffix = LlavaQuestionAnswererOptions.LlavaShortAnswerSuffix;
        await model.FineTuneAsync(
            [new FineTuningExample(image, Questions[0] + suffix, "Yes"), new FineTuningExample(image, Questions[1] + suffix, "No")],
            new FineTuningOptions { LearningRate = 1e-2, Epochs = 30, BatchSize = 2, WarmupRatio = 0, Seed = 1 });

        var yes = await answerer.ProbabilityOfYesAsync(image, [Questions[0], Questions[1]]);

        Assert.True(yes[0] > 0.9, $"P(yes | dog) = {yes[0]}");
        Assert.True(yes[1] < 0.1, $"P(yes | cat) = {yes[1]}");
    }

    [Fact]
    public async Task Registered_without_a_folder_it_asks_the_sampled_LLaVA_and_the_vqa_stream_uses_it()
    {
        var services = new ServiceCollection();
        services.AddViGoR()
            .UseLlava(TinyLlava.HuggingFace, new LlavaModelOptions { Device = CPU, DType = ScalarType.Float32 })
            .UseLlavaQuestionAnswerer()
            .AddVqaSelfCheckStream();
        await using var provider = services.BuildServiceProvider();

        var answerer = Assert.IsType<LlavaQuestionAnswerer>(provider.GetRequiredService<IVisualQuestionAnswerer>());
        var stream = Assert.Single(provider.GetServices<IRewardStream>());

        Assert.StartsWith("llava-vqa:" + provider.GetRequiredService<LlavaVisionLanguageModel>().Identity, answerer.Identity, StringComparison.Ordinal);
        Assert.Equal(answerer.Identity, stream.Settings["answerer"]);
    }
}
