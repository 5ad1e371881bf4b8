using ViGoR.Nlp.LexiconBuilder;

// Regenerates src/ViGoR.Nlp/Lexicon/wordnet-lexicon.txt.gz from Debian's wordnet-base files.
// Usage: dotnet run --project tools/ViGoR.Nlp.LexiconBuilder -- [--wordnet /usr/share/wordnet] [--output path]
var wordNetDirectory = "/usr/share/wordnet";
string? output = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--wordnet" when i + 1 < args.Length:
            wordNetDirectory = args[++i];
            break;
        case "--output" when i + 1 < args.Length:
            output = args[++i];
            break;
        default:
            await Console.Error.WriteLineAsync($"unknown argument '{args[i]}'. Usage: [--wordnet DIR] [--output FILE]");
            return 2;
    }
}

output ??= Path.Combine(FindRepositoryRoot(), "src", "ViGoR.Nlp", "Lexicon", LexiconWriter.ResourceFileName);
try
{
    var lexicon = WordNetReader.Read(new DirectoryWordNetSource(wordNetDirectory));
    var bytes = LexiconWriter.Write(lexicon);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    await File.WriteAllBytesAsync(output, bytes);
    Console.WriteLine($"{output}: {lexicon.Words.Count} words, {lexicon.NounExceptions.Count} noun and {lexicon.VerbExceptions.Count} verb exceptions, {bytes.Length} bytes, sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))}");
    return 0;
}
catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 1;
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ViGoR.sln")))
        {
            return dir.FullName;
        }
    }

    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ViGoR.sln")))
        {
            return dir.FullName;
        }
    }

    throw new IOException("Cannot find ViGoR.sln above the tool or the current directory; pass --output.");
}
