import { isPostStep, runMain, runPost } from './main.js'

void (isPostStep() ? runPost() : runMain())
