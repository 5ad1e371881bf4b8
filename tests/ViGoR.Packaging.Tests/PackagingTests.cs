using System.Diagnostics;
using System.IO.Compression;

namespace ViGoR.Packaging.Tests;

/// <summary>
/// Packs the seven library packages, then restores and runs a consumer project from a local folder
/// feed: the packages work as packages, not only as project references. (The vigor tool package
/// carries libtorch and ONNX Runtime natives, over a gigabyte; it is packed by hand, not here.)
/// </summary>
public sealed class PackagingTests : IDisposable
{
    private const string Version = "0.0.0-packagetest";
    private static readonly string[] Libraries = ["ViGoR.Core", "ViGoR.Evaluation", "ViGoR.Nlp", "ViGoR.Detection.Onnx", "ViGoR.Torch", "ViGoR.ShapesWorld", "ViGoR.Annotation.Web"];
    private readonly string _work = Directory.CreateTempSubdirectory("vigor-pack-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Packed_packages_restore_and_run_in_a_consumer_project()
    {
        var repo = FindRepositoryRoot();
        var feed = Path.Combine(_work, "feed");
        foreach (var project in Libraries.Select(l => $"src/{l}/{l}.csproj"))
        {
            await RunAsync(repo, "dotnet", "pack", Path.Combine(repo, project), "-c", "Release", "-o", feed, $"-p:Version={Version}", "--artifacts-path", Path.Combine(_work, "artifacts"));
        }

        foreach (var library in Libraries)
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed, $"{library}.{Version}.nupkg"));
            var entries = package.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("README.md", entries);
            Assert.Contains($"lib/net10.0/{library}.xml", entries);
            Assert.Contains($"lib/net10.0/{library}.dll", entries);
            Assert.True(File.Exists(Path.Combine(feed, $"{library}.{Version}.snupkg")), $"{library} has no symbol package");
            if (library == "ViGoR.Torch")
            {
                Assert.Contains("buildTransitive/ViGoR.Torch.targets", entries);
            }

            if (library is "ViGoR.Core" or "ViGoR.Evaluation")
            {
                Assert.Contains("THIRD-PARTY-NOTICES.md", entries);
            }
        }

        // The evaluators, and only they, bring Microsoft.Extensions.AI; the adapters need Core alone.
        Assert.DoesNotContain("id=\"Microsoft.Extensions.AI", Nuspec(feed, "ViGoR.Core"));
        Assert.Contains("id=\"Microsoft.Extensions.AI.Abstractions\"", Nuspec(feed, "ViGoR.Evaluation"));
        Assert.Contains("id=\"ViGoR.Core\"", Nuspec(feed, "ViGoR.Evaluation"));
        Assert.All(new[] { "ViGoR.Nlp", "ViGoR.Detection.Onnx", "ViGoR.Torch", "ViGoR.ShapesWorld" }, l => Assert.DoesNotContain("id=\"ViGoR.Evaluation\"", Nuspec(feed, l)));
        Assert.DoesNotContain("id=\"TorchSharp", Nuspec(feed, "ViGoR.ShapesWorld")); // the laboratory needs Core only
        Assert.Contains("<frameworkReference name=\"Microsoft.AspNetCore.App\"", Nuspec(feed, "ViGoR.Annotation.Web")); // the shared framework, not packages
        Assert.DoesNotContain("id=\"TorchSharp", Nuspec(feed, "ViGoR.Annotation.Web"));

        var consumer = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(consumer);
        var source = Path.Combine(AppContext.BaseDirectory, "Consumer");
        File.Copy(Path.Combine(source, "Program.cs"), Path.Combine(consumer, "Program.cs"));
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), File.ReadAllText(Path.Combine(source, "Consumer.csproj.template")).Replace("$(ViGoRVersion)", Version, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        File.Copy(Path.Combine(repo, "src/ViGoR.Cli/Demo/demo_samples.jsonl"), Path.Combine(consumer, "samples.jsonl"));
        File.Copy(Path.Combine(repo, "src/ViGoR.Cli/Demo/demo_boxes.jsonl"), Path.Combine(consumer, "boxes.jsonl"));

        // A private packages folder, so no copy of these test versions lingers in the user's cache.
        var packages = Path.Combine(_work, "packages");
        await RunAsync(consumer, "dotnet", "restore", "--packages", packages);
        var output = await RunAsync(consumer, "dotnet", "run", "--no-restore", "--", consumer);

        Assert.Contains("status=Ok chosen=", output);
        Assert.Contains("torch-targets=ViGoR.Torch", output);
        Assert.Contains("chair-captions=1 ", output);
        Assert.Contains("annotate-session={\"annotator\":\"consumer\",\"done\":0,\"total\":", output);

        await ReadmeBlocksCompileAsync(repo, packages);
    }

    /// <summary>
    /// Every C# block of README.md, as pasted into a new console app with exactly the packages its
    /// <c>Packages:</c> paragraph names (the packed ViGoR versions; others at the repository's
    /// versions), builds: the README says all that a user must add.
    /// </summary>
    private async Task ReadmeBlocksCompileAsync(string repo, string packages)
    {
        var readme = await File.ReadAllLinesAsync(Path.Combine(repo, "README.md"));
        var versions = System.Xml.Linq.XDocument.Load(Path.Combine(repo, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.Ordinal);
        var blocks = 0;
        for (var i = 0; i < readme.Length; i++)
        {
            if (readme[i].Trim() != "```csharp")
            {
                continue;
            }

            // The paragraph before the block (it may wrap over lines).
            var paragraph = new List<string>();
            for (var j = i - 1; j >= 0 && (paragraph.Count == 0 || readme[j].Trim().Length > 0); j--)
            {
                if (readme[j].Trim().Length > 0)
                {
                    paragraph.Insert(0, readme[j].Trim());
                }
            }

            var text = string.Join(" ", paragraph);
            Assert.True(text.StartsWith("Packages:", StringComparison.Ordinal), $"README.md line {i + 1}: the C# block is not preceded by a 'Packages:' paragraph naming what it needs.");
            var references = System.Text.RegularExpressions.Regex.Matches(text, "`([A-Za-z0-9.]+)`").Select(m => m.Groups[1].Value).ToList();
            var project = Path.Combine(_work, $"readme-{++blocks}");
            Directory.CreateDirectory(project);
            await File.WriteAllLinesAsync(Path.Combine(project, "Program.cs"), readme.Skip(i + 1).TakeWhile(l => l.Trim() != "```"));
            var items = string.Concat(references.Select(r => $"<PackageReference Include=\"{r}\" Version=\"{(r.StartsWith("ViGoR.", StringComparison.Ordinal) ? Version : versions[r])}\" />"));
            await File.WriteAllTextAsync(Path.Combine(project, "Readme.csproj"), $"<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup>{items}</ItemGroup></Project>");
            File.Copy(Path.Combine(_work, "consumer", "nuget.config"), Path.Combine(project, "nuget.config"));
            await RunAsync(project, "dotnet", "restore", "--packages", packages);
            await RunAsync(project, "dotnet", "build", "--no-restore", "-c", "Release");
        }

        Assert.True(blocks > 0, "README.md has no C# block: the test would prove nothing.");
    }

    private static string Nuspec(string feed, string library)
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed, $"{library}.{Version}.nupkg"));
        using var reader = new StreamReader(package.GetEntry($"{library}.nuspec")!.Open());
        return reader.ReadToEnd();
    }

    private static string FindRepositoryRoot()
    {
        var root = typeof(PackagingTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RepositoryRoot").Value!;
        Assert.True(File.Exists(Path.Combine(root, "ViGoR.sln")), $"ViGoR.sln not found in {root}: this test runs from a checkout.");
        return root;
    }

    private static async Task<string> RunAsync(string workingDirectory, string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The outer `dotnet test` sets MSBuild variables that must not leak into the nested builds.
        foreach (var variable in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" })
        {
            start.Environment.Remove(variable);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, $"{fileName} {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{text}");
        return text;
    }
}
