namespace ViGoR;

/// <summary>Finds the .onnx file and the folder holding its tokenizer and preprocessor files.</summary>
internal static class ModelFolder
{
    /// <summary>Resolves <paramref name="path"/> (a folder or an .onnx file).</summary>
    /// <exception cref="FileNotFoundException">Nothing to load; the message says what was looked for where.</exception>
    /// <exception cref="InvalidDataException">Several .onnx files and no <paramref name="fileName"/> to choose.</exception>
    public static (string ModelFile, string AssetFolder) Resolve(string path, string? fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            return (path, HasTokenizer(dir) ? dir : Path.GetDirectoryName(dir) is { } parent && HasTokenizer(parent) ? parent : dir);
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"Grounding DINO model path '{path}' is neither a folder nor a file.", path);
        }

        var onnxFolder = Path.Combine(path, "onnx");
        if (fileName is not null)
        {
            foreach (var candidate in new[] { Path.Combine(path, fileName), Path.Combine(onnxFolder, fileName) })
            {
                if (File.Exists(candidate))
                {
                    return (candidate, path);
                }
            }

            throw new FileNotFoundException($"Model file '{fileName}' is in neither '{path}' nor '{onnxFolder}'.", fileName);
        }

        foreach (var folder in new[] { path, onnxFolder })
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            var files = Directory.GetFiles(folder, "*.onnx").Order(StringComparer.Ordinal).ToArray();
            if (files.Length == 1)
            {
                return (files[0], path);
            }

            if (files.Length > 1)
            {
                var preferred = files.FirstOrDefault(f => Path.GetFileName(f) == "model.onnx");
                return preferred is not null
                    ? (preferred, path)
                    : throw new InvalidDataException($"'{folder}' holds several .onnx files ({string.Join(", ", files.Select(Path.GetFileName))}) and none is model.onnx; choose one with GroundingDinoOptions.ModelFileName.");
            }
        }

        throw new FileNotFoundException($"No .onnx file in '{path}' or '{onnxFolder}'. A Grounding DINO model folder holds the .onnx export plus tokenizer.json or vocab.txt (and preprocessor_config.json).", path);
    }

    private static bool HasTokenizer(string dir) =>
        File.Exists(Path.Combine(dir, "tokenizer.json")) || File.Exists(Path.Combine(dir, "vocab.txt"));
}
