using DistInfer.Engine;

namespace DistInfer.Cli;

/// <summary>
/// Checks generate's --input and --output before anything runs: a directory given as the input read as "access
/// denied", and an output in a missing directory failed only after the whole generation, naming a temporary file.
/// </summary>
internal static class GenerateFiles
{
    public static void Check(string? input, string? output)
    {
        if (input is not null)
        {
            if (Directory.Exists(input))
            {
                throw new DistInferException($"--input {input} is a directory, not a safetensors file");
            }

            if (!File.Exists(input))
            {
                throw new DistInferException($"--input {input} does not exist");
            }
        }

        if (output is not null)
        {
            if (Directory.Exists(output))
            {
                throw new DistInferException($"--output {output} is a directory; name the safetensors file to write");
            }

            var folder = Path.GetDirectoryName(Path.GetFullPath(output));
            if (folder is not null && !Directory.Exists(folder))
            {
                throw new DistInferException($"--output {output}: the directory {folder} does not exist");
            }
        }
    }
}
