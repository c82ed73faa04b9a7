/*
 * models.h - where sluice finds the model files it uses by default.
 */
#ifndef SLUICE_MODELS_H
#define SLUICE_MODELS_H

#include <stddef.h>

/* The path of model file `name`: $env when set and not empty, else the
 * first readable of ./models/NAME, models/ beside the binary's build or
 * install tree (../models, ../../models, ../share/sluice/models) and the
 * source tree's models/.  tmp (n bytes) holds the result; NULL when none. */
const char *find_model_file(const char *name, const char *env, char *tmp, size_t n);

#endif
