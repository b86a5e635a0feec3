using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;

namespace Spillway.Tests;

/// <summary>
/// Every C# block of the repository README and of each package's README is a whole sample program that CI builds:
/// the line before the block names the sample (<c>&lt;!-- sample: samples/X/Program.cs --&gt;</c>) and the block equals
/// that file, so the code a reader pastes into a new console project is code that compiles.
/// </summary>
public sealed partial class ReadmeSampleTests
{
    private static readonly string s_root = FindRepositoryRoot();

    private static IEnumerable<string> Readmes() =>
        new[] { "README.md" }.Concat(Directory.GetDirectories(Path.Combine(s_root, "src"))
            .Where(directory => Directory.GetFiles(directory, "*.csproj").Length > 0)
            .Select(directory => Path.GetRelativePath(s_root, Path.Combine(directory, "README.md"))));

    [TestCaseSource(nameof(Readmes))]
    public void CSharpBlocks_EachNamesASample_EqualsThatSampleFile(string readme)
    {
        var text = Normalize(File.ReadAllText(Path.Combine(s_root, readme)));
        var blocks = CSharpBlock().Matches(text);

        Assert.That(blocks, Is.Not.Empty, $"{readme} has no C# example");
        Assert.Multiple(() =>
        {
            foreach (Match block in blocks)
            {
                var sample = block.Groups["sample"].Value;
                Assert.That(sample, Is.Not.Empty, $"{readme}: a C# block without a '<!-- sample: ... -->' line before it");
                if (sample.Length == 0)
                {
                    continue;
                }

                Assert.That(sample, Does.StartWith("samples/"), $"{readme}: examples come from samples/, which CI builds");
                var path = Path.Combine(s_root, sample);
                Assert.That(File.Exists(path), Is.True, $"{readme}: {sample} does not exist");
                if (File.Exists(path))
                {
                    Assert.That(block.Groups["code"].Value, Is.EqualTo(Normalize(File.ReadAllText(path))), $"{readme}: the block differs from {sample}");
                }
            }
        });
    }

    [TestCaseSource(nameof(Readmes))]
    public void PackageReadme_InstallCommandAndNoMachinePath(string readme)
    {
        var path = Path.Combine(s_root, readme);
        Assert.That(File.Exists(path), Is.True, $"{readme} is missing");
        var text = File.ReadAllText(path);
        Assert.That(text, Does.Not.Contain(s_root).And.Not.Match(@"(/home/|/work/|/tmp/|[A-Z]:\\)"), "a machine path");
        if (readme != "README.md")
        {
            var package = Path.GetFileName(Path.GetDirectoryName(readme))!;
            Assert.That(text, Does.Contain($"dotnet add package {package}\n"));
        }
    }

    [Test]
    public void Pdb_BuiltFromThisRepository_NamesNoMachinePath()
    {
        // Directory.Build.props maps the repository root to /_/ (PathMap), so a shipped .pdb names no build machine.
        var pdb = Path.ChangeExtension(typeof(SpillwayChannel).Assembly.Location, ".pdb");
        using var stream = File.OpenRead(pdb);
        using var provider = MetadataReaderProvider.FromPortablePdbStream(stream);
        var reader = provider.GetMetadataReader();
        var documents = reader.Documents.Select(handle => reader.GetString(reader.GetDocument(handle).Name)).ToList();

        Assert.That(documents, Is.Not.Empty);
        Assert.That(documents, Has.All.StartWith("/_/src/Spillway/"), "source paths mapped to /_/");
        Assert.That(File.ReadAllText(pdb, Encoding.Latin1).Contains(s_root, StringComparison.Ordinal), Is.False, "the repository's path on this machine");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Spillway.Actors.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Spillway.Actors.sln not found above the test directory.");
    }

    [GeneratedRegex(@"(?:<!-- sample: (?<sample>[^ ]+) -->\n)?```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
