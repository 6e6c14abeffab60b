// PLACEHOLDER: the sluice command line (in progress).
int main() { return 0; }
