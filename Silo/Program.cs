namespace DistInfer.Silo;

internal static class Program
{
    private static int Main() => 0;
}
