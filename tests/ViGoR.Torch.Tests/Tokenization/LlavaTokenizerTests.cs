using System.Text.Json;
using ViGoR.Torch.Modeling;
using ViGoR.Torch.Tokenization;

namespace ViGoR.Torch.Tests.Tokenization;

public class LlavaTokenizerTests
{
    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(TinyLlava.Root, "tokenization.json"))).RootElement;

    private static LlavaTokenizer Load(string dir, string? tower = null) => LlavaTokenizer.Load(dir, LlavaModelConfig.Load(dir, tower));

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in Expected.GetProperty("prompts").EnumerateArray())
        {
            data.Add(c.GetProperty("mode").GetString()!, c.GetProperty("prompt").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prompt_text_and_ids_match_llava_and_python_sentencepiece(string mode, string prompt)
    {
        var expected = Expected.GetProperty("prompts").EnumerateArray().Single(c => c.GetProperty("mode").GetString() == mode && c.GetProperty("prompt").GetString() == prompt);
        var text = ConversationTemplate.Format(ConversationTemplate.Parse(mode), prompt);
        Assert.Equal(expected.GetProperty("text").GetString(), text);

        var hf = Load(TinyLlava.HuggingFace).EncodePrompt(text);
        Assert.Equal(expected.GetProperty("ids_hf").EnumerateArray().Select(e => e.GetInt64()), hf);

        var original = Load(TinyLlava.Original, TinyLlava.Clip).EncodePrompt(text);
        Assert.Equal(expected.GetProperty("ids_original").EnumerateArray().Select(e => e.GetInt64()), original);
    }

    [Fact]
    public void Templates_are_written_as_llava_conversation_py_writes_them()
    {
        Assert.Equal(
            "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the user's questions. USER: <image>\nHi ASSISTANT:",
            ConversationTemplate.Format(ConversationMode.VicunaV1, "Hi"));
        Assert.StartsWith("A chat between a curious human", ConversationTemplate.Format(ConversationMode.LlavaV1, "Hi"), StringComparison.Ordinal);
        Assert.Equal("USER: <image>\nHi ASSISTANT:", ConversationTemplate.Format(ConversationMode.LlavaHf, "Hi"));
    }

    [Fact]
    public void Plain_text_matches_sentencepiece_including_byte_fallback()
    {
        var tokenizer = Load(TinyLlava.HuggingFace);
        foreach (var c in Expected.GetProperty("plain").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            Assert.Equal(c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()), tokenizer.EncodeText(text));
            Assert.Equal(text.Trim(), tokenizer.Decode(tokenizer.EncodeText(text).Select(i => (long)i)));
        }
    }

    [Fact]
    public void Decode_skips_bos_eos_and_image_tokens()
    {
        var tokenizer = Load(TinyLlava.HuggingFace);
        var ids = tokenizer.EncodeText("Hello world").Select(i => (long)i).ToList();
        ids.InsertRange(0, [1, 384]);
        ids.Add(2);
        Assert.Equal("Hello world", tokenizer.Decode(ids));
    }

    [Fact]
    public void Training_labels_mask_the_prompt_and_keep_answer_and_eos()
    {
        var tokenizer = Load(TinyLlava.HuggingFace);
        var prompt = ConversationTemplate.Format(ConversationMode.VicunaV1, "Describe this image.");
        var (ids, labels) = tokenizer.EncodeForTraining(prompt, "A cat on a table.");
        int promptLength = tokenizer.EncodePrompt(prompt).Length;
        Assert.All(labels.Take(promptLength), l => Assert.Equal(LlavaForConditionalGeneration.IgnoreIndex, l));
        Assert.Equal(ids.Skip(promptLength), labels.Skip(promptLength));
        Assert.Equal(2, ids[^1]);
        Assert.Equal("A cat on a table.", tokenizer.Decode(ids.Skip(promptLength)));
    }

    [Fact]
    public void A_tokenizer_whose_image_token_disagrees_with_the_config_is_rejected()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-tok").FullName;
        foreach (var f in new[] { "config.json", "tokenizer.model" })
        {
            File.Copy(Path.Combine(TinyLlava.HuggingFace, f), Path.Combine(dir, f));
        }

        File.WriteAllText(Path.Combine(dir, "added_tokens.json"), """{"<image>": 390}""");
        var e = Assert.Throws<InvalidDataException>(() => Load(dir));
        Assert.Contains("390", e.Message, StringComparison.Ordinal);
        Assert.Contains("384", e.Message, StringComparison.Ordinal);
    }
}
