using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ViGoR.Torch.Training;

/// <summary>
/// LoRA (Hu et al., 2021) on linear layers, attached with forward hooks so the model's own modules and
/// state_dict names stay untouched: y = W·x + (B·A·dropout(x))·alpha/r, with A initialised as PEFT does
/// (Kaiming-uniform, a = √5) and B at zero, both kept in float32 whatever the model dtype. Parameter
/// names follow PEFT's saved adapters: <c>base_model.model.{module}.lora_A.weight</c> / <c>lora_B.weight</c>.
/// </summary>
/// <remarks>Dispose removes the hooks and frees the adapters; <see cref="MergeIntoBase"/> first folds them into the base weights.</remarks>
internal sealed class LoraAdapters : IDisposable
{
    /// <summary>The attention projections of LLaMA.</summary>
    public static readonly string[] AttentionProjections = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>
    /// Every linear layer of a LLaMA decoder, LLaVA-1.5's LoRA targets (<c>find_all_linear_names</c>
    /// in llava/train/train.py: all <c>nn.Linear</c> of the language model except <c>lm_head</c>).
    /// </summary>
    public static readonly string[] AllLinear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    private readonly List<Adapter> _adapters = [];

    private LoraAdapters(int rank, double alpha, double dropout)
    {
        Rank = rank;
        Alpha = alpha;
        Dropout = dropout;
    }

    public int Rank { get; }

    public double Alpha { get; }

    public double Dropout { get; }

    public double Scale => Alpha / Rank;

    /// <summary>Dropout is applied while true.</summary>
    public bool Training { get; set; }

    /// <summary>Random source for the dropout masks (set per optimizer step).</summary>
    public Generator? Generator { get; set; }

    /// <summary>The adapter parameters with their PEFT names, A before B, modules in model order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters =>
        _adapters.SelectMany(a => new[] { ($"base_model.model.{a.Module}.lora_A.weight", a.A), ($"base_model.model.{a.Module}.lora_B.weight", a.B) }).ToList();

    /// <summary>Names of the modules that carry an adapter.</summary>
    public IEnumerable<string> Modules => _adapters.Select(a => a.Module);

    /// <summary>
    /// Attaches adapters to every linear module of <paramref name="model"/> whose name starts with
    /// <paramref name="prefix"/> and ends with one of <paramref name="targets"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No module matched.</exception>
    public static LoraAdapters Attach(nn.Module model, string prefix, IReadOnlyCollection<string> targets, int rank, double alpha, double dropout, ulong seed)
    {
        var lora = new LoraAdapters(rank, alpha, dropout);
        using var generator = new Generator(seed);
        foreach (var (name, module) in model.named_modules())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !targets.Any(t => name.EndsWith("." + t, StringComparison.Ordinal)))
            {
                continue;
            }

            if (module is not nn.Module<Tensor, Tensor> linear || module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "weight").parameter is not { } weight || weight.dim() != 2)
            {
                throw new InvalidOperationException($"LoRA target '{name}' is not a linear layer with a 2-D 'weight'.");
            }

            long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
            var a = new Parameter(empty(rank, inFeatures, ScalarType.Float32, weight.device));
            var b = new Parameter(zeros(outFeatures, rank, ScalarType.Float32, weight.device));
            using (no_grad())
            {
                // kaiming_uniform_(a=sqrt(5)) on [r, in]: bound = 1/sqrt(in).
                var bound = 1.0 / Math.Sqrt(inFeatures);
                using var cpu = rand(new long[] { rank, inFeatures }, generator: generator, dtype: ScalarType.Float32);
                a.copy_((cpu * (2 * bound)) - bound);
            }

            var adapter = new Adapter(name, a, b, weight);
            var remover = linear.register_forward_hook((_, input, output) => output + lora.Delta(adapter, input).to(output.dtype));
            adapter.RemoveHook = remover.remove;
            lora._adapters.Add(adapter);
        }

        if (lora._adapters.Count == 0)
        {
            lora.Dispose();
            throw new InvalidOperationException($"No module under '{prefix}' matches the LoRA targets {string.Join(", ", targets)}.");
        }

        return lora;
    }

    /// <summary>W + B·A·scale for the module <paramref name="module"/> (float32 math, returned in the weight's dtype), or null when it has no adapter.</summary>
    public Tensor? MergedWeight(string module)
    {
        var adapter = _adapters.FirstOrDefault(a => a.Module == module);
        if (adapter is null)
        {
            return null;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var merged = adapter.Weight.to(ScalarType.Float32) + (matmul(adapter.B, adapter.A) * Scale);
        return merged.to(adapter.Weight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Folds every adapter into its base weight in place (the model then behaves as the merged one) and zeroes B.</summary>
    public void MergeIntoBase()
    {
        using var noGrad = no_grad();
        foreach (var adapter in _adapters)
        {
            using var merged = MergedWeight(adapter.Module)!;
            adapter.Weight.copy_(merged);
            adapter.B.zero_();
        }
    }

    /// <summary>
    /// Writes a PEFT adapter: <c>adapter_model.safetensors</c> and <c>adapter_config.json</c>. Fully
    /// trained modules beside the adapters (LLaVA's projector) go in as PEFT's <c>modules_to_save</c>,
    /// stored under <c>base_model.model.{module}.{parameter}</c> as PEFT saves them.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="baseModel">The base model's folder or name, for <c>base_model_name_or_path</c>.</param>
    /// <param name="modulesToSave">Top-level module name → its named parameters (e.g. <c>multi_modal_projector</c>).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public void SaveAdapter(string directory, string? baseModel, IReadOnlyDictionary<string, IReadOnlyList<(string Name, Tensor Tensor)>>? modulesToSave, CancellationToken cancellationToken)
    {
        var tensors = Parameters.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)).ToList();
        foreach (var (module, parameters) in modulesToSave ?? new Dictionary<string, IReadOnlyList<(string Name, Tensor Tensor)>>())
        {
            tensors.AddRange(parameters.Select(p => new KeyValuePair<string, Tensor>($"base_model.model.{module}.{p.Name}", p.Tensor)));
        }

        SafetensorsWriter.Write(Path.Combine(directory, "adapter_model.safetensors"), tensors, cancellationToken);
        var config = new Dictionary<string, object?>
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["r"] = Rank,
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = Dropout,
            ["bias"] = "none",
            ["target_modules"] = Modules.Select(m => m[(m.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal).ToArray(),
            ["modules_to_save"] = modulesToSave is { Count: > 0 } ? modulesToSave.Keys.Order(StringComparer.Ordinal).ToArray() : null,
            ["base_model_name_or_path"] = baseModel,
            ["inference_mode"] = true,
        };
        AtomicFile.WriteAllText(Path.Combine(directory, "adapter_config.json"), JsonSerializer.Serialize(config, IndentedJson));
    }

    public void Dispose()
    {
        foreach (var adapter in _adapters)
        {
            adapter.RemoveHook?.Invoke();
            adapter.A.Dispose();
            adapter.B.Dispose();
        }

        _adapters.Clear();
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    private Tensor Delta(Adapter adapter, Tensor input)
    {
        var x = input.to(ScalarType.Float32);
        if (Training && Dropout > 0)
        {
            var keep = Generator is null ? bernoulli(full_like(x, 1 - Dropout)) : bernoulli(full_like(x, 1 - Dropout), Generator);
            x = x * keep / (1 - Dropout);
        }

        return nn.functional.linear(nn.functional.linear(x, adapter.A), adapter.B) * Scale;
    }

    private sealed class Adapter(string module, Parameter a, Parameter b, Parameter weight)
    {
        public string Module { get; } = module;

        public Parameter A { get; } = a;

        public Parameter B { get; } = b;

        public Parameter Weight { get; } = weight;

        public Action? RemoveHook { get; set; }
    }
}
