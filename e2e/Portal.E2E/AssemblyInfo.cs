// One Portal and one Chromium at a time: the CI machine has 2 cores, and a snapshot's progress is only
// observable when the test is not competing with other apps for them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
