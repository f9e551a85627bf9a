#!/usr/bin/env python3
# A table unlike the challenge file: a target with a space, dates as "Jun 12 1998", a text
# title, a high-cardinality distributor, empty cells, no group column.
import csv, math, random, sys
path, n = sys.argv[1], int(sys.argv[2])
delim = sys.argv[3] if len(sys.argv) > 3 else ","
rng = random.Random(5)
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
words = ["night", "star", "love", "war", "city", "dark", "return", "last", "big", "secret", "river", "king"]
dist = ["Studio %d" % i for i in range(120)]
with open(path, "w", newline="") as f:
    w = csv.writer(f, delimiter=delim)
    w.writerow(["Title", "Release Date", "Production Budget", "Rating", "Genre", "Distributor", "Worldwide Gross"])
    for i in range(n):
        year = rng.randint(1975, 2010)
        budget = math.exp(rng.gauss(16.5, 1.0))
        rating = round(rng.uniform(2, 9), 1)
        genre = rng.choice(["Drama", "Comedy", "Action", "Horror"])
        d = rng.choice(dist[:20]) if rng.random() < 0.6 else rng.choice(dist)
        gross = budget * math.exp(0.25 * (rating - 5) + 0.02 * (year - 1990) + (0.5 if genre == "Action" else 0) + rng.gauss(0, 0.4))
        date = "%s %02d %d" % (months[rng.randint(0, 11)], rng.randint(1, 28), year)
        if rng.random() < 0.05: date = ""
        elif rng.random() < 0.02: date = "TBD"
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + " %d" % i
        row = [title, date, "%.0f" % budget if rng.random() > 0.1 else "", rating if rng.random() > 0.1 else "", genre, d, "%.0f" % gross]
        w.writerow(row)
